// /api/dashboard and /api/reports/daily: the supervisor's figures (supervisor, deputy, admin).
import Router from '@koa/router';
import type { Db } from '../db/db.js';
import type { Clock } from '../clock.js';
import { requireRole } from '../auth/middleware.js';
import { dashboard, dailyReport, dailyReportCsv, parseDailyDate, parsePeriod } from './dashboard.js';
import { badRequest } from '../http/problem.js';

export function dashboardRoutes(db: Db, clock: Clock): Router {
  const router = new Router();
  const supervisors = requireRole('supervisor', 'deputy');

  router.get('/api/dashboard', supervisors, async (ctx) => {
    const now = clock.now();
    const period = parsePeriod(ctx.query, now);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await dashboard(db, period, now);
  });

  router.get('/api/reports/daily', supervisors, async (ctx) => {
    const now = clock.now();
    const date = parseDailyDate(ctx.query, now);
    const format = ctx.query.format ?? 'json';
    if (format !== 'json' && format !== 'csv') throw badRequest('Unknown format.', [{ field: 'format', message: 'json or csv' }]);
    const report = await dailyReport(db, date, now);
    ctx.set('Cache-Control', 'no-store');
    if (format === 'csv') {
      const lang = ctx.query.lang === 'en' ? 'en' : 'uk';
      ctx.type = 'text/csv; charset=utf-8';
      ctx.set('Content-Disposition', `attachment; filename="misto-daily-${date}.csv"`);
      // The byte-order mark makes spreadsheet programs read the Cyrillic as UTF-8.
      ctx.body = '\uFEFF' + dailyReportCsv(report, lang);
      return;
    }
    ctx.body = report;
  });

  return router;
}
