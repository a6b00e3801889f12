/** The generator process's entry: commands from the harness over IPC, reports back the same way. */
import type { GeneratorToParent, ParentToGenerator } from './ipc.ts';
import { LoadGenerator } from './load-generator.ts';
import { loadBenchClient } from '../transports.ts';

function post(message: GeneratorToParent): void {
  process.send?.(message);
}

let generator: LoadGenerator | undefined;

async function onCommand(command: ParentToGenerator): Promise<void> {
  switch (command.type) {
    case 'load':
      await loadBenchClient(command.transport);
      post({ type: 'loaded' });
      return;
    case 'plan':
      generator = new LoadGenerator(command, post);
      await generator.setup();
      return;
    case 'start':
      generator?.run(command);
      return;
    case 'expect':
      generator?.expect(command.stored, command.acked);
      return;
    case 'fault':
      generator?.fault(command.name, command.atUs);
      return;
    case 'exit':
      await generator?.close();
      process.exit(0);
  }
}

process.on('message', (command: ParentToGenerator) => {
  onCommand(command).catch((error: unknown) => {
    post({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    setImmediate(() => process.exit(1));
  });
});
// A harness that is gone must not leave generators running.
process.on('disconnect', () => process.exit(0));
