// What every benchmark part gets from bench/run.ts and what it gives back.
import type { Db } from '../server/db/db.js';

export interface BenchContext {
  /** The benchmark city's database (a real PostGIS), already generated. */
  db: Db;
  /** Connection string of that database, for parts that open their own pools or start a server. */
  databaseUrl: string;
  /** How the city was generated (addresses, tickets, objects). */
  city: { addresses: number; tickets: number; objects: number };
  log: (line: string) => void;
}

/** One printed figure: Misto's number next to its baseline from the same run, and the DESIGN.md target. */
export interface BenchFigure {
  part: string;
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** value ÷ baseline.value, or the other way round where smaller is better — say which in `name`. */
  ratio?: number;
  target: string;
  /** Whether the target is met, judged by the part itself. */
  met?: boolean;
}

export type BenchPart = (ctx: BenchContext) => Promise<BenchFigure[]>;
