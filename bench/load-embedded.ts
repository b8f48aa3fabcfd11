/** `npm run bench`'s load into a stopped embedded server's folder, as a process of its own (bench/stored.ts says why). */
import { loadIntoEmbeddedFolder } from './stored.js';

const [pgdata, projectId, total] = process.argv.slice(2);
if (!pgdata || !projectId || !total) throw new Error('usage: load-embedded.ts <pgdata> <projectId> <messages>');
const seconds = await loadIntoEmbeddedFolder(pgdata, projectId, Number(total));
console.log(JSON.stringify({ seconds }));
