--
-- PostgreSQL load script written by dumpconv 0.1.0
-- from: sqlite-3.53.4.dump-data-only.sql
-- load it with: psql -X -v ON_ERROR_STOP=1 -d DATABASE -f FILE
-- it runs in one transaction: if any statement fails, nothing is changed
--

\set ON_ERROR_STOP on
\restrict 0123456789abcdef0123456789abcdef

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
SET default_tablespace = '';
SET default_table_access_method = heap;
SET TIME ZONE 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = postgres;
SET dumpconv.loading = on;
SELECT pg_catalog.set_config('search_path', '', false);

BEGIN;

-- dumpconv: data only (sqlite3 .dump --data-only): the tables must exist
-- dumpconv: already, with the same columns in the same order; each is
-- dumpconv: found by its SQLite name, exactly or else regardless of case

--
-- table items (line 2)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_1 (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_1 FROM stdin;
1	widget	10	2.5	\\x000102	1	2024-01-02 03:04:05
2	gadget; with semicolon	0	0.1	\N	0	2024-02-29 23:59:59
3	it's quoted	-3	19.99	\\x	1	\N
4	multi\nline	7	1e+308	\\xfffe	0	2024-12-31T12:00:00Z
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'items' OR lower(c.relname) = lower('items'))
        ORDER BY c.relname = 'items' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'items';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 7 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 7;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_1');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 5);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table order (line 6)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_2 (c1 text, c2 text, c3 text, c4 text, c5 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_2 FROM stdin;
1	alice	1	1.5	A
2	bob	\N	\N	B b
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'order' OR lower(c.relname) = lower('order'))
        ORDER BY c.relname = 'order' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'order';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 5 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 5;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_2');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 2);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table table with space (line 8)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_3 (c1 text, c2 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_3 FROM stdin;
1	one
two	2.0
\N	\\x0a
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'table with space' OR lower(c.relname) = lower('table with space'))
        ORDER BY c.relname = 'table with space' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'table with space';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 2 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 2;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_3');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table quote"d (line 11)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_4 (c1 text, c2 text, c3 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_4 FROM stdin;
q"v	5	]
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'quote"d' OR lower(c.relname) = lower('quote"d'))
        ORDER BY c.relname = 'quote"d' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'quote"d';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 3 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 3;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_4');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table single_quoted (line 12)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_5 (c1 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_5 FROM stdin;
sq
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'single_quoted' OR lower(c.relname) = lower('single_quoted'))
        ORDER BY c.relname = 'single_quoted' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'single_quoted';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 1 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 1;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_5');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table MixedCase (line 13)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_6 (c1 text, c2 text, c3 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_6 FROM stdin;
1	Camel	2
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'MixedCase' OR lower(c.relname) = lower('MixedCase'))
        ORDER BY c.relname = 'MixedCase' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'MixedCase';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 3 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 3;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_6');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table données (line 14)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_7 (c1 text, c2 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_7 FROM stdin;
clé1	€uro
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'données' OR lower(c.relname) = lower('données'))
        ORDER BY c.relname = 'données' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'données';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 2 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 2;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_7');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table lower_kw (line 15)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_8 (c1 text, c2 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_8 FROM stdin;
1	abc
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'lower_kw' OR lower(c.relname) = lower('lower_kw'))
        ORDER BY c.relname = 'lower_kw' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'lower_kw';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 2 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 2;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_8');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table kv (line 16)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_9 (c1 text, c2 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_9 FROM stdin;
a	one
b	2
c	\N
d	1.25
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'kv' OR lower(c.relname) = lower('kv'))
        ORDER BY c.relname = 'kv' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'kv';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 2 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 2;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_9');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table strict_t (line 20)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_10 (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_10 FROM stdin;
1	42	1.0	text	\\xdeadbeef	7
2	-1	\N	\N	\N	any text
3	0	3.25	t	\\x	2.5
4	9	-0.5		\N	\\x01
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'strict_t' OR lower(c.relname) = lower('strict_t'))
        ORDER BY c.relname = 'strict_t' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'strict_t';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 6 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 6;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_10');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table gen (line 24)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_11 (c1 text, c2 text, c3 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_11 FROM stdin;
1	2	first
10	\N	second
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'gen' OR lower(c.relname) = lower('gen'))
        ORDER BY c.relname = 'gen' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'gen';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 3 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 3;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_11');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table strings (line 26)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_12 (c1 text, c2 text, c3 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_12 FROM stdin;
1	plain	hello
2	empty	
3	null	\N
4	null_word	NULL
5	apostrophe	it's
6	two_quotes	two ''quotes''
7	double_quote	say "hi"
8	newline	line1\nline2
9	crlf	a\r\nb
10	lone_cr	a\rb
11	tab	a\tb
12	ctrl_01	x\x01y
13	esc	\x1b[31mred\x1b[0m
14	ctrl_0b_0c_1c_1d_1e	v\x0bf\x0cfs\x1cgs\x1drs\x1e.
15	del_7f	del\x7fend
16	nel_ls_ps	nells ps end
17	backslash	C:\\path\\file
18	backslash_newline	C:\\dir\nnext
19	literal_bs_n	lit\\n and real\nnewline
20	literal_bs_n_and_012	has \\n and \\012 and\nnewline
21	literal_bs_r	lit\\r and real\rCR
22	nl_and_cr	one\ntwo\rthree\r\nfour
23	only_newlines	\n\n
24	semicolon_comment	a; DROP TABLE x; -- /* not */ a comment
25	sql_like	INSERT INTO t VALUES(1);\nCOMMIT;
26	emoji	smile 😀 clef 𝄞
27	cjk_combining	漢字 é
28	looks_numeric	00123
29	looks_real	1e5
30	spaces	   
31	unicode_quote	’curly’
32	nul_inside	a
33	invalid_utf8	��
34	invalid_utf8_mixed	ok�(end
35	trailing_nul	abc
36	long_text	long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long 
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'strings' OR lower(c.relname) = lower('strings'))
        ORDER BY c.relname = 'strings' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'strings';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 3 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 3;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_12');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table numbers (line 62)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_13 (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_13 FROM stdin;
1	zero	0	\N	\N	0
2	one	1	\N	\N	1
3	minus_one	-1	\N	\N	-1
4	int32_max	2147483647	\N	\N	2147483647
5	int32_min	-2147483648	\N	\N	-2147483648
6	int64_max	9223372036854775807	\N	\N	9223372036854775807
7	int64_min	-9223372036854775808	\N	\N	-9223372036854775808
8	two_pow_53_plus_1	9007199254740993	\N	\N	9007199254740993
9	point_one	\N	0.1	\N	0.1
10	one_third	\N	0.3333333333333333	\N	0.3333333333333333
11	two_point_five	\N	2.5	\N	2.5
12	neg_zero	\N	0.0	\N	0.0
13	pos_zero	\N	0.0	\N	0.0
14	one_point_zero	\N	1.0	\N	1.0
15	million_real	\N	1000000.0	\N	1000000.0
16	1e15	\N	1000000000000000.0	\N	1000000000000000.0
17	1e16	\N	1e+16	\N	1e+16
18	1e20	\N	1e+20	\N	1e+20
19	two_pow_63_real	\N	9.223372036854776e+18	\N	9.223372036854776e+18
20	minus_two_pow_63_real	\N	-9.223372036854776e+18	\N	-9.223372036854776e+18
21	1e308	\N	1e+308	\N	1e+308
22	max_double	\N	1.7976931348623157e+308	\N	1.7976931348623157e+308
23	1e-5	\N	1e-05	\N	1e-05
24	1e-320_subnormal	\N	1e-320	\N	1e-320
25	min_subnormal	\N	5e-324	\N	5e-324
26	min_normal	\N	2.2250738585072014e-308	\N	2.2250738585072014e-308
27	pi	\N	3.141592653589793	\N	3.141592653589793
28	pos_inf	\N	Infinity	\N	Infinity
29	neg_inf	\N	-Infinity	\N	-Infinity
30	nan_becomes_null	\N	\N	\N	\N
31	neg_small	\N	-1.5e-07	\N	-1.5e-07
32	sql_9e999	\N	Infinity	\N	-Infinity
33	numeric_affinity	\N	\N	12.5	12.50
34	numeric_int_text	\N	\N	42	3.0
35	int_literal_2pow63	9.223372036854776e+18	\N	\N	9.223372036854776e+18
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'numbers' OR lower(c.relname) = lower('numbers'))
        ORDER BY c.relname = 'numbers' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'numbers';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 6 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 6;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_13');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table blobs (line 97)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_14 (c1 text, c2 text, c3 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_14 FROM stdin;
1	empty_blob	\\x
2	bytes	\\x000f1e2d3c4b5a69788796a5b4c3d2e1f0ff
3	utf8_text_as_blob	\\x68c3a96c6c6f
4	single_zero_byte	\\x00
5	jsonb_object	\\x9c17616b133113321778
6	null_blob	\N
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'blobs' OR lower(c.relname) = lower('blobs'))
        ORDER BY c.relname = 'blobs' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'blobs';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 3 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 3;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_14');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table mixed (line 103)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_15 (c1 text, c2 text, c3 text, c4 text, c5 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_15 FROM stdin;
1	not a number	123	1	7
2	42	4.5	0	7.5
3	3	text	1	007
4	\\x0102	\N	0	\\x03
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'mixed' OR lower(c.relname) = lower('mixed'))
        ORDER BY c.relname = 'mixed' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'mixed';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 5 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 5;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_15');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table events (line 107)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_16 (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_16 FROM stdin;
1	2024-01-02 03:04:05	1704164645	2460311.627835648	2024-01-02	2024-01-02T03:04:05.123+02:00
2	1970-01-01 00:00:00	0	2440587.5	1970-01-01	1704164645
3	\N	-1	0.0	\N	2460311.5
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'events' OR lower(c.relname) = lower('events'))
        ORDER BY c.relname = 'events' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'events';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 6 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 6;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_16');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table plain_rowid (line 110)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_17 (c1 text, c2 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_17 FROM stdin;
r2	2
r4	4
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'plain_rowid' OR lower(c.relname) = lower('plain_rowid'))
        ORDER BY c.relname = 'plain_rowid' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'plain_rowid';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 2 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 2;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_17');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table has_rowid_col (line 112)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_18 (c1 text, c2 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_18 FROM stdin;
rid-a	1
rid-b	2
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'has_rowid_col' OR lower(c.relname) = lower('has_rowid_col'))
        ORDER BY c.relname = 'has_rowid_col' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'has_rowid_col';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 2 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 2;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_18');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table child (line 114)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_19 (c1 text, c2 text, c3 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_19 FROM stdin;
1	1	child of widget
2	4	\N
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'child' OR lower(c.relname) = lower('child'))
        ORDER BY c.relname = 'child' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'child';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 3 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 3;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_19');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 0);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

--
-- table audit (line 116)
--

CREATE TEMPORARY TABLE pg_temp.dumpconv_rows_20 (c1 text, c2 text, c3 text) ON COMMIT DROP;
COPY pg_temp.dumpconv_rows_20 FROM stdin;
1	1	insert
2	2	insert
\.

DO $dumpconv$
DECLARE
    target regclass;
    names text;
    casts text;
    n int;
    seq record;
    top bigint;
BEGIN
    SELECT c.oid INTO target FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'p')
        AND c.relnamespace = 'public'::pg_catalog.regnamespace
        AND (c.relname = 'audit' OR lower(c.relname) = lower('audit'))
        ORDER BY c.relname = 'audit' DESC LIMIT 1;
    IF target IS NULL THEN
        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',
            'audit';
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),
           count(*)
        INTO names, casts, n
        FROM (SELECT attname, attnum,
                     pg_catalog.format_type(atttypid, atttypmod) AS typ,
                     row_number() OVER (ORDER BY attnum) AS rn
              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0
              AND NOT attisdropped AND attgenerated = '') a;
    IF n <> 3 THEN
        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',
            target, n, 3;
    END IF;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',
        target, names, casts, 'pg_temp.dumpconv_rows_20');
    FOR seq IN SELECT a.attname,
            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target
        AND a.attnum > 0 AND NOT a.attisdropped LOOP
        CONTINUE WHEN seq.name IS NULL;
        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;
        top := greatest(coalesce(top, 0), 2);
        IF top >= 1 THEN
            PERFORM pg_catalog.setval(seq.name, top, true);
        END IF;
    END LOOP;
END
$dumpconv$;

COMMIT;

\unrestrict 0123456789abcdef0123456789abcdef
-- report:
warning: line 2: the dump has rows but no CREATE TABLE (sqlite3 .dump --data-only): the output loads rows into tables that must already exist in PostgreSQL, with these columns in this order [data-only]
warning: a --data-only dump has no COMMIT, so a dump cut at a line end cannot be told from a complete one: check that the file is whole [data-only]
info: sqlite3 .dump cuts a text value at its first NUL byte, and a dump cannot show which values were cut [dump-cuts-nul] (to keep every byte, convert the database file itself: dumpconv app.db)
lossy: line 58: strings.column3: text is not valid UTF-8; invalid bytes replaced by U+FFFD (2 values: input lines 58-59) [invalid-utf8-replaced]
lossy: line 118: rows of docs skipped: docs looks like a fts5 virtual table [virtual-table-skipped]
lossy: line 120: rows of docs_data skipped: storage of the fts5 table docs [virtual-table-skipped]
lossy: line 123: rows of docs_idx skipped: storage of the fts5 table docs [virtual-table-skipped]
lossy: line 124: rows of docs_content skipped: storage of the fts5 table docs [virtual-table-skipped]
lossy: line 126: rows of docs_docsize skipped: storage of the fts5 table docs [virtual-table-skipped]
lossy: line 128: rows of docs_config skipped: storage of the fts5 table docs [virtual-table-skipped]
lossy: line 129: rows of geo skipped: geo looks like a rtree virtual table [virtual-table-skipped]
lossy: line 131: rows of geo_rowid skipped: storage of the rtree table geo [virtual-table-skipped]
lossy: line 133: rows of geo_node skipped: storage of the rtree table geo [virtual-table-skipped]
dumpconv: 29 tables, 132 rows, 13 notes (10 lossy)
