import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { customerNames, customers } from '@/db/schema';

/** The name the customer in the query's `customers` row goes by in that project, or ''. */
export function customerNameIn(projectId: SQLWrapper | string): SQL<string> {
  return sql<string>`coalesce((select ${customerNames.name} from ${customerNames} where ${customerNames.customerId} = ${customers.id} and ${customerNames.projectId} = ${projectId}), '')`;
}
