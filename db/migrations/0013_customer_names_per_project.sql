CREATE TABLE "customer_names" (
	"customer_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "customer_names_customer_id_project_id_pk" PRIMARY KEY("customer_id","project_id")
);
--> statement-breakpoint
ALTER TABLE "customer_names" ADD CONSTRAINT "customer_names_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_names" ADD CONSTRAINT "customer_names_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Names learnt until now go to every project where the customer reported, took part or wrote.
INSERT INTO "customer_names" ("customer_id", "project_id", "name")
SELECT DISTINCT seen.customer_id, seen.project_id, c.name FROM (
	SELECT reporter_id AS customer_id, project_id FROM requests WHERE reporter_id IS NOT NULL
	UNION SELECT p.customer_id, r.project_id FROM request_participants p JOIN requests r ON r.id = p.request_id
	UNION SELECT cm.author_customer_id, r.project_id FROM comments cm JOIN requests r ON r.id = cm.request_id WHERE cm.author_customer_id IS NOT NULL
) seen JOIN customers c ON c.id = seen.customer_id WHERE c.name <> ''
ON CONFLICT DO NOTHING;--> statement-breakpoint
ALTER TABLE "customers" DROP COLUMN "name";