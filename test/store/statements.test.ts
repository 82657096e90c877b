import { describe, expect, it } from 'vitest';
import { openDatabase, STATEMENT_CACHE_SIZE } from '../../src/store/database.js';

describe('prepared statements', () => {
  it('are prepared once per SQL text and reused, the least recently used going first when the cache is full', () => {
    const db = openDatabase(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    expect(db.prepare('INSERT INTO t (v) VALUES (?)')).toBe(insert);
    insert.run('a');
    expect(db.prepare<[], { v: string }>('SELECT v FROM t').all()).toEqual([{ v: 'a' }]);

    const count = db.prepare('SELECT COUNT(*) AS n FROM t');
    for (let i = 0; i < STATEMENT_CACHE_SIZE - 1; i++) {
      db.prepare(`SELECT ${i} AS n`);
      db.prepare('INSERT INTO t (v) VALUES (?)'); // kept recent
    }
    expect(db.prepare('INSERT INTO t (v) VALUES (?)')).toBe(insert);
    expect(db.prepare('SELECT COUNT(*) AS n FROM t')).not.toBe(count); // the oldest went
    expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 1 });
    db.close();
  });
});
