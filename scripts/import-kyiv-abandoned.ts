// npx tsx scripts/import-kyiv-abandoned.ts [file.geojson]: loads the Kyiv abandoned buildings (OSM, ODbL) into the ownerless register.
// Uses DATABASE_URL, or the embedded database in MISTO_DATA_DIR; a second run adds nothing (UNIQUE source, OSM id).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/db/open.js';
import { importAbandonedBuildings } from '../server/ownership/import.js';

export { importAbandonedBuildings };

export const KYIV_ABANDONED_FILE = path.resolve(import.meta.dirname, '../fixtures/osm/kyiv_abandoned_buildings_osm.geojson');

async function main() {
  const file = process.argv[2] ? path.resolve(process.argv[2]) : KYIV_ABANDONED_FILE;
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const result = await importAbandonedBuildings(db, JSON.parse(readFileSync(file, 'utf8')));
    console.log(`${path.basename(file)}: ${result.features} features, ${result.inserted} new ownerless objects ` +
      `(${result.with_footprint} with a footprint), ${result.already_present} already present, ${result.skipped.length} skipped`);
    for (const s of result.skipped) console.log(`  skipped #${s.index} ${s.ref ?? ''}: ${s.reason}`);
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(`import-kyiv-abandoned: ${(err as Error).message}`);
    process.exit(1);
  });
}
