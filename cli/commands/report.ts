/** `ledgertap report`: the protocol and auth-flow report of a model, as Markdown or self-contained HTML. */
import type { Command } from 'commander';
import { writeFileAtomic } from '../../core/index.js';
import { loadProtocolModel } from '../../model/index.js';
import { protocolReport, renderFor, renderMarkdown } from '../../reports/index.js';
import type { CommandContext, RegisterVerb } from '../context.js';
import { assertReportPath } from '../report-path.js';

export const register: RegisterVerb = (program: Command, runtime) => {
  program
    .command('report')
    .description(
      'write the protocol and auth-flow report of a model (Markdown, or HTML by the .html extension)',
    )
    .requiredOption('--model <file>', 'the model written by `ledgertap analyze --out`')
    .option('--out <file>', 'write the report here (.md or .html); default: Markdown on stdout')
    .option('--title <text>', 'the report title')
    .action(
      runtime.action(async (ctx: CommandContext, flags: { model: string; out?: string; title?: string }) => {
        if (flags.out) assertReportPath(flags.out, '--out');
        const model = await loadProtocolModel(ctx.resolvePath(flags.model));
        const doc = protocolReport(model, flags.title ? { title: flags.title } : {});
        if (flags.out) {
          await writeFileAtomic(ctx.resolvePath(flags.out), renderFor(flags.out, doc));
          if (ctx.json)
            ctx.printJson({
              out: ctx.resolvePath(flags.out),
              operations: model.operations.length,
              credentials: model.auth.credentials.length,
            });
          else ctx.progress(`wrote ${flags.out}`);
        } else if (ctx.json) ctx.printJson(doc);
        else ctx.print(renderMarkdown(doc));
      }),
    );
};
