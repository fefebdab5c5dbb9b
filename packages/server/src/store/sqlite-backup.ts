import BetterSqlite3 from 'better-sqlite3';

/**
 * A consistent copy of a live SQLite database through SQLite's online backup API, while other processes
 * (the server) keep writing. All pages are copied in one step, inside one read transaction, so a concurrent
 * writer cannot make the copy restart or mix two states; WAL mode lets the writer go on meanwhile.
 */
export async function backupSqlite(sourceFile: string, destFile: string): Promise<void> {
  const source = new BetterSqlite3(sourceFile, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 10000');
    await source.backup(destFile, { progress: () => 0x7fffffff });
  } finally {
    source.close();
  }
  const copy = new BetterSqlite3(destFile, { fileMustExist: true });
  try {
    const result = copy.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new Error(`the backup copy failed SQLite's integrity check: ${String(result)}`);
    // One self-contained file: fold any WAL the check may have left back into it.
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}
