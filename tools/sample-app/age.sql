-- Turns a loaded sample app (load.sql) into "an older copy": what node b holds before
-- a full sync from node a. About 5 % of the rows are missing and about 10 % carry older
-- values. Deterministic (rows chosen by id), so every run ages the same rows.
\set ON_ERROR_STOP on
BEGIN;
-- Missing rows: every 20th customer with its orders (their items go by ON DELETE
-- CASCADE), and every 20th audit entry.
DELETE FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE id % 20 = 11);
DELETE FROM customers WHERE id % 20 = 11;
DELETE FROM "AuditLog" WHERE ("entityId" + 5) % 20 = 0;

-- Older values in about every 10th row of each table.
UPDATE customers
   SET email = 'old.' || email,
       profile = profile - 'tags' || '{"tier": "free"}',
       updated_at = updated_at - interval '30 days'
 WHERE id % 10 = 4;
UPDATE products SET price = round(price * 0.9, 2), attributes = NULL WHERE id % 10 = 2;
UPDATE orders SET status = 'pending', note = NULL, shipping = shipping - 'tracking' WHERE id % 10 = 6;
UPDATE order_items SET quantity = quantity + 1 WHERE (order_id + line_no) % 10 = 5;
UPDATE "AuditLog" SET payload = payload - 'note' WHERE "entityId" % 10 = 7;
COMMIT;
ANALYZE;
