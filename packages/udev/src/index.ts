export { createDatabase, type UnlinkedDevice } from './database.js';
export { parseDbFile, type UdevDbFile } from './db-file.js';
export { UdevParseError } from './errors.js';
export { parseExportDb } from './export-db.js';
export { type LiveDatabaseOptions, readLiveDatabase } from './live.js';
export type { DatabaseSource, DeviceNumber, UdevDatabase, UdevDevice } from './model.js';
export { parseUevent } from './uevent.js';
