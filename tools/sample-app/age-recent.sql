-- Turns a loaded sample app (load.sql) into an older copy the way time makes one: what
-- node b held when it last matched node a, some weeks ago. Since then the app inserted
-- new rows (ids at the end), moved recent orders along, and touched a few old rows. The
-- other aging, age.sql, spreads its changes evenly over every table instead (every 10th
-- row): the worst case for a range diff. Deterministic, like age.sql.
\set ON_ERROR_STOP on
BEGIN;
SELECT max(id) AS max_customer FROM customers \gset
SELECT max(id) AS max_order FROM orders \gset
SELECT max("createdAt") - (max("createdAt") - min("createdAt")) * 0.05 AS audit_cutoff FROM "AuditLog" \gset

-- The newest 5 % of orders (their items go by ON DELETE CASCADE) and audit entries did
-- not exist yet, nor did the newest customers that have no older order (load.sql spreads
-- every customer's orders over the whole id range, so that is few of them).
DELETE FROM orders WHERE id > :max_order * 0.95;
DELETE FROM customers c WHERE id > :max_customer * 0.95
   AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id);
DELETE FROM "AuditLog" WHERE "createdAt" > :'audit_cutoff';

-- Orders placed in the 15 % before that were still in progress: most were pending, their
-- lines not final yet.
UPDATE orders SET status = 'pending', note = NULL, shipping = shipping - 'tracking'
 WHERE id > :max_order * 0.80 AND id % 5 <> 0;
UPDATE order_items SET quantity = quantity + 1
 WHERE order_id > :max_order * 0.80 AND (order_id + line_no) % 4 = 0;

-- A few old rows changed too: one customer in 1000 edited their profile, one product in
-- 20 changed its price.
UPDATE customers SET email = 'old.' || email, profile = profile - 'tags' || '{"tier": "free"}'
 WHERE id % 1000 = 7;
UPDATE products SET price = round(price * 0.9, 2) WHERE id % 20 = 2;
COMMIT;
ANALYZE;
