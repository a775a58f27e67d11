/** `sntk` from the TypeScript sources, for tests that run it as a separate process (spawnCli). */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
