const PLACEHOLDER = /\{(agent\.name|project\.name)\}/g;

/** A project's reply signature with its placeholders filled in; any other braces stay as typed. */
export function renderReplySignature(template: string, values: { agentName: string; projectName: string }): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => (name === 'agent.name' ? values.agentName : values.projectName));
}
