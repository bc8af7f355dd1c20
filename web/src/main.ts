// Entry point: global styles, the router, the session, then the app.
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { startRouter } from './lib/router.svelte.js';
import { loadSession } from './lib/session.svelte.js';

startRouter();
void loadSession();
mount(App, { target: document.getElementById('app') as HTMLElement });
