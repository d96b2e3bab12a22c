import { describe, expect, it } from 'vitest';
import { renderReplySignature } from '@/lib/outbound/reply-signature';

describe('renderReplySignature', () => {
  it('fills in every {agent.name} and {project.name} and leaves other braces as typed', () => {
    expect(renderReplySignature('{agent.name} · {project.name}\n{agent.name} {agent.email} {project}', { agentName: 'Ada', projectName: 'Desk' })).toBe(
      'Ada · Desk\nAda {agent.email} {project}',
    );
  });

  it('does not read placeholders inside the names it fills in', () => {
    expect(renderReplySignature('{agent.name}', { agentName: '{project.name}', projectName: 'Desk' })).toBe('{project.name}');
  });
});
