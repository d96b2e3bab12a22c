import { describe, expect, it } from 'vitest';
import { createRequestByAgent } from '@/lib/requests/create-request-by-agent';
import { listRequests } from '@/lib/requests/list-requests';
import { seedAdmin, seedProject } from '../support/fixtures';
import { createTestDatabase } from '../support/test-database';

describe('customer names', () => {
  it('are learnt per project: a name given at one desk never labels the customer at another', async () => {
    const fresh = await createTestDatabase();
    try {
      const db = fresh.handle.db;
      const admin = await seedAdmin(db);
      const { project: sales } = await seedProject(db, admin, 'SAL');
      const { project: help } = await seedProject(db, admin, 'HLP');
      const raise = (projectId: string, summary: string, reporterName: string) =>
        createRequestByAgent({ db, actor: admin, input: { projectId, summary, description: '', reporterEmail: 'Casey@Example.test', reporterName } });
      await raise(sales.id, 'Quote please', 'Casey Customer');
      await raise(help.id, 'Urgent wire transfer', 'The CEO');
      await raise(help.id, 'Second request', 'Someone Else');

      const names = async (projectId: string) => {
        const page = await listRequests({ db, actor: admin, projectId, query: {} });
        return page.rows.map((row) => [row.reporterEmail, row.reporterName]);
      };
      expect(await names(sales.id)).toEqual([['casey@example.test', 'Casey Customer']]);
      // Learnt once in a project: the first name given there stays.
      expect(await names(help.id)).toEqual([
        ['casey@example.test', 'The CEO'],
        ['casey@example.test', 'The CEO'],
      ]);
    } finally {
      await fresh.drop();
    }
  });
});
