-- Fills the sample app (schema.sql) with deterministic data: ~107K rows at scale 1
-- (customers 5K, products 1K, orders 25K, order_items 67.5K, "AuditLog" 9K).
-- Usage: psql -v scale=1 -f load.sql   (scale 10 gives ~1.1M rows; default 1)
-- No random(): every value derives from the row number, so two loads are identical.
\set ON_ERROR_STOP on
\if :{?scale}
\else
  \set scale 1
\endif

BEGIN;
SELECT greatest(1, round(5000 * :scale))::int  AS n_customers,
       greatest(1, round(1000 * :scale))::int  AS n_products,
       greatest(1, round(25000 * :scale))::int AS n_orders,
       greatest(1, round(9000 * :scale))::int  AS n_audit
\gset

INSERT INTO customers (id, public_id, name, email, is_demo, profile, created_at, updated_at)
SELECT i,
       md5('customer-' || i)::uuid,
       'Customer ' || i,
       'customer' || i || '@example.com',
       i % 50 = 0,
       jsonb_build_object('tier', (ARRAY['free', 'pro', 'team'])[1 + i % 3],
                          'newsletter', i % 4 = 0,
                          'tags', jsonb_build_array('t' || i % 7, 't' || i % 11)),
       timestamptz '2024-01-01 00:00:00+00' + i * interval '17 minutes',
       timestamptz '2024-01-01 00:00:00+00' + i * interval '17 minutes'
FROM generate_series(1, :n_customers) AS i;

INSERT INTO products (id, sku, name, price, attributes, active)
SELECT i,
       'SKU-' || lpad(i::text, 6, '0'),
       'Product ' || i,
       round((1 + (i * 37) % 500 + (i % 100) / 100.0)::numeric, 2),
       CASE WHEN i % 5 = 0 THEN NULL
            ELSE jsonb_build_object('color', (ARRAY['red', 'green', 'blue', 'black'])[1 + i % 4],
                                    'weight_g', 100 + i % 900) END,
       i % 13 <> 0
FROM generate_series(1, :n_products) AS i;

INSERT INTO orders (id, customer_id, status, ordered_at, note)
SELECT i,
       1 + (i * 7919) % :n_customers,
       (ARRAY['pending', 'paid', 'shipped', 'cancelled'])[1 + (i * 3) % 4],
       timestamptz '2024-02-01 00:00:00+00' + i * interval '3 minutes 7 seconds',
       CASE WHEN i % 9 = 0 THEN 'please deliver after ' || (8 + i % 10) || ':00' END
FROM generate_series(1, :n_orders) AS i;

-- 1 to 4 lines per order (2.4 on average).
INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price)
SELECT o.id, l,
       1 + (o.id * 31 + l * 17) % :n_products,
       1 + (o.id + l) % 5,
       p.price
FROM orders o
CROSS JOIN LATERAL generate_series(1, 1 + (o.id * 5) % 4 + (o.id % 5 = 0)::int) AS l
JOIN products p ON p.id = 1 + (o.id * 31 + l * 17) % :n_products;

UPDATE orders o SET total = s.total
FROM (SELECT order_id, sum(quantity * unit_price) AS total FROM order_items GROUP BY order_id) s
WHERE s.order_id = o.id;

INSERT INTO "AuditLog" (id, "entityType", "entityId", action, payload, "createdAt")
SELECT md5('audit-' || i)::uuid,
       (ARRAY['customer', 'order', 'product'])[1 + i % 3],
       1 + i % :n_orders,
       (ARRAY['create', 'update', 'delete'])[1 + (i / 3) % 3],
       jsonb_build_object('by', 'user' || i % 40, 'seq', i, 'note', 'événement ' || i),
       timestamptz '2024-03-01 00:00:00+00' + i * interval '41 seconds'
FROM generate_series(1, :n_audit) AS i;

-- Explicit ids above bypassed the sequences; move them past the data.
SELECT setval(pg_get_serial_sequence('customers', 'id'), :n_customers) AS customers,
       setval(pg_get_serial_sequence('products', 'id'), :n_products) AS products,
       setval(pg_get_serial_sequence('orders', 'id'), :n_orders) AS orders
\gset last_id_
COMMIT;
ANALYZE;
