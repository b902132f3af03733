/** Reports: render findings (protocol and auth flow, replay drift) as Markdown or self-contained HTML. */
export {
  renderMarkdown,
  renderHtml,
  renderFor,
  escapeHtml,
  code,
  type Block,
  type ReportDocument,
} from './document.js';
export { protocolReport, authFlowDiagram } from './protocol-report.js';
export { driftReport } from './drift-report.js';
