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

INSERT INTO customers (id, public_id, name, email, is_demo, profile, address, created_at, updated_at)
SELECT i,
       md5('customer-' || i)::uuid,
       'Customer ' || i,
       'customer' || i || '@example.com',
       i % 50 = 0,
       jsonb_build_object('tier', (ARRAY['free', 'pro', 'team'])[1 + i % 3],
                          'newsletter', i % 4 = 0,
                          'tags', jsonb_build_array('t' || i % 7, 't' || i % 11),
                          'locale', (ARRAY['en-GB', 'fr-FR', 'de-DE', 'es-ES'])[1 + i % 4],
                          'timezone', (ARRAY['Europe/London', 'Europe/Paris', 'Europe/Berlin'])[1 + i % 3]),
       (1 + i % 480) || ' ' || (ARRAY['Market Street', 'Rue de la Paix', 'Hauptstraße', 'Calle Mayor',
                                      'Via Roma', 'King''s Road'])[1 + i % 6]
         || ', ' || lpad(((i * 7) % 99999)::text, 5, '0') || ' '
         || (ARRAY['Springfield', 'Paris', 'Berlin', 'Madrid', 'Roma', 'London', 'Lyon'])[1 + i % 7],
       timestamptz '2024-01-01 00:00:00+00' + i * interval '17 minutes',
       timestamptz '2024-01-01 00:00:00+00' + i * interval '17 minutes'
FROM generate_series(1, :n_customers) AS i;

INSERT INTO products (id, sku, name, price, attributes, description, active)
SELECT i,
       'SKU-' || lpad(i::text, 6, '0'),
       (ARRAY['Organic cotton t-shirt', 'Merino wool socks', 'Leather wallet', 'Ceramic mug',
              'Desk lamp', 'Running shoes', 'Water bottle', 'Notebook A5'])[1 + i % 8] || ' ' || i,
       round((1 + (i * 37) % 500 + (i % 100) / 100.0)::numeric, 2),
       CASE WHEN i % 5 = 0 THEN NULL
            ELSE jsonb_build_object('color', (ARRAY['red', 'green', 'blue', 'black'])[1 + i % 4],
                                    'weight_g', 100 + i % 900) END,
       'Made to last: ' || (ARRAY['hand-finished', 'recycled materials', 'fair-trade certified',
                                  'two-year warranty'])[1 + i % 4]
         || '. Ships within ' || (1 + i % 5) || ' working days. Care: see label (ref. ' || i || ').',
       i % 13 <> 0
FROM generate_series(1, :n_products) AS i;

INSERT INTO orders (id, customer_id, status, ordered_at, shipping, note)
SELECT i,
       1 + (i * 7919) % :n_customers,
       (ARRAY['pending', 'paid', 'shipped', 'cancelled'])[1 + (i * 3) % 4],
       timestamptz '2024-02-01 00:00:00+00' + i * interval '3 minutes 7 seconds',
       jsonb_build_object('carrier', (ARRAY['DHL', 'UPS', 'La Poste', 'Royal Mail'])[1 + i % 4],
                          'method', (ARRAY['standard', 'express'])[1 + (i % 7 = 0)::int],
                          'tracking', CASE WHEN (i * 3) % 4 = 2 THEN upper(left(md5('parcel-' || i), 18)) END,
                          'address', (1 + i % 480) || ' ' || (ARRAY['Market Street', 'Rue de la Paix',
                                     'Hauptstraße', 'Calle Mayor'])[1 + i % 4] || ', '
                                     || lpad(((i * 13) % 99999)::text, 5, '0')),
       CASE WHEN i % 9 = 0 THEN 'please deliver after ' || (8 + i % 10) || ':00' END
FROM generate_series(1, :n_orders) AS i;

-- 1 to 4 lines per order (2.4 on average).
INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price, product_name, options)
SELECT o.id, l,
       1 + (o.id * 31 + l * 17) % :n_products,
       1 + (o.id + l) % 5,
       p.price,
       p.name || ', size ' || (ARRAY['S', 'M', 'L', 'XL'])[1 + (o.id + l) % 4],
       jsonb_build_object('gift_wrap', (o.id + l) % 7 = 0,
                          'warehouse', 'WH-' || (o.id % 5),
                          'engraving', CASE WHEN (o.id + l) % 23 = 0 THEN 'For ' || o.id END)
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
       jsonb_build_object('by', 'user' || i % 40, 'seq', i, 'note', 'événement ' || i,
                          'ip', '10.' || i % 250 || '.' || (i * 7) % 250 || '.' || (i * 13) % 250,
                          'user_agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/1'
                                        || (20 + i % 10) || '.0 Safari/537.36',
                          'changes', jsonb_build_object('status', jsonb_build_array('pending', 'paid'))),
       timestamptz '2024-03-01 00:00:00+00' + i * interval '41 seconds'
FROM generate_series(1, :n_audit) AS i;

-- Explicit ids above bypassed the sequences; move them past the data.
SELECT setval(pg_get_serial_sequence('customers', 'id'), :n_customers) AS customers,
       setval(pg_get_serial_sequence('products', 'id'), :n_products) AS products,
       setval(pg_get_serial_sequence('orders', 'id'), :n_orders) AS orders
\gset last_id_
COMMIT;
ANALYZE;
