--
-- PostgreSQL load script written by dumpconv 0.1.0
-- from: prisma.sqlite.sql
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

--
-- Name: _prisma_migrations; Type: TABLE; Schema: public (input line 3)
--

-- dumpconv: declared type → PostgreSQL type (the README's Types table):
-- dumpconv:   applied_steps_count INTEGER UNSIGNED → bigint
-- dumpconv: column finished_at: timestamp (Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text)
-- dumpconv: column rolled_back_at: timestamp (Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text)
-- dumpconv: column started_at: timestamp (Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text)
CREATE TABLE public._prisma_migrations (
    id text NOT NULL,
    checksum text NOT NULL,
    finished_at timestamp,
    migration_name text NOT NULL,
    logs text,
    rolled_back_at timestamp,
    started_at timestamp NOT NULL DEFAULT (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'),
    applied_steps_count bigint NOT NULL DEFAULT 0
);

COPY public._prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) FROM stdin;
30f63afc-df90-4177-9a03-eedeb35b82c5	1945a2d7b94799d521ebc8e5ddf774381e9d2af99e3e2267f3e62f37ef5a2417	2024-01-05 12:00:01.512000+00	20240105120000_init	\N	\N	2024-01-05 12:00:01.498000+00	1
d79c0a99-9a4c-4d69-898b-50793ab2f6f8	2e37083e7cf6a1db1b6c4fbb9eb586fdd26c04c98b6dcfee3cc2c1ed4e665b6c	2024-03-20 09:30:12.044000+00	20240320093000_profile_balance	\N	\N	2024-03-20 09:30:11.987000+00	1
608c4185-4b02-470c-9d27-db0745e4ab81	67918f01fd1df13b885299c573d7799fa99d223d24ea121d0c61987d821e6fda	2024-06-11 08:15:40.310000+00	20240611081500_post_bigint_price	\N	\N	2024-06-11 08:15:40.127000+00	1
\.

--
-- Name: User; Type: TABLE; Schema: public (input line 16)
--

-- dumpconv: declared type → PostgreSQL type (the README's Types table):
-- dumpconv:   balance DECIMAL → numeric
-- dumpconv: column createdAt: timestamp (Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text)
-- dumpconv: column updatedAt: timestamp (Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text)
CREATE TABLE public."User" (
    id text NOT NULL,
    email text NOT NULL,
    name text,
    role text NOT NULL DEFAULT 'USER',
    "isActive" boolean NOT NULL DEFAULT true,
    "createdAt" timestamp NOT NULL DEFAULT (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'),
    "updatedAt" timestamp NOT NULL,
    balance numeric NOT NULL DEFAULT 0
);

COPY public."User" (id, email, name, role, "isActive", "createdAt", "updatedAt", balance) FROM stdin;
clr1a2b3c0000qz8v1h3k4m5a	alice@example.com	Alice Liddell	ADMIN	1	2024-01-06 10:11:12.345000+00	2024-03-21 05:46:40.123000+00	1234.5
clr1a2b3c0001qz8v1h3k4m5b	bob@example.com	Bob	USER	1	2024-01-09 18:02:03.004000+00	2024-01-09 18:02:03.004000+00	0
clr1a2b3c0002qz8v1h3k4m5c	chloe@example.fr	Chloé Dubois	USER	1	2024-02-14 07:45:00.000000+00	2024-06-02 14:20:33.777000+00	19.99
clr1a2b3c0003qz8v1h3k4m5d	dan@example.com	\N	USER	0	2024-03-01 23:59:59.999000+00	2024-04-30 12:00:00.500000+00	0.1
clw5x8y7z0000qz8v9k2j3h4e	eve@example.com	Eve Moneypenny	MODERATOR	1	2024-05-17 06:30:15.250000+00	2025-11-20T09:14:03.250+00:00	12345678901234.56
cly0import0000qz8vcsv00001	frank@example.com	Frank (CSV import)	USER	1	2024-07-01 09:15:00	2024-07-01 09:15:00	0
cmi8q2w3e0000qz8vp7o6i5u4	grace@example.com	Grace	USER	1	2025-11-21T17:03:44.918+00:00	2025-11-21T17:03:44.918+00:00	250
cmi9r3t4y0001qz8vl2k3j4h5	heidi@example.com	Heidi	USER	1	2025-11-22T08:00:00.000+00:00	2025-11-22T08:00:00.000+00:00	-42.75
\.

--
-- Name: Tag; Type: TABLE; Schema: public (input line 33)
--

-- dumpconv: declared type → PostgreSQL type (the README's Types table):
-- dumpconv:   id INTEGER → bigint
-- dumpconv: column createdAt: timestamp (Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text)
CREATE TABLE public."Tag" (
    id bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,
    name text NOT NULL,
    "createdAt" timestamp NOT NULL DEFAULT (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')
);

COPY public."Tag" (id, name, "createdAt") FROM stdin;
1	intro	2025-11-21T17:05:00.001+00:00
2	pricing	2025-11-21T17:05:00.002+00:00
3	émoji	2025-11-21T17:05:00.003+00:00
4	archive	2025-11-21T17:05:00.004+00:00
\.

--
-- Name: _PostToTag; Type: TABLE; Schema: public (input line 42)
--

-- dumpconv: declared type → PostgreSQL type (the README's Types table):
-- dumpconv:   A INTEGER → bigint, B INTEGER → bigint
CREATE TABLE public."_PostToTag" (
    "A" bigint NOT NULL,
    "B" bigint NOT NULL
);

COPY public."_PostToTag" ("A", "B") FROM stdin;
1	1
3	2
5	1
5	3
6	3
8	4
8	1
7	2
\.

--
-- Name: Profile; Type: TABLE; Schema: public (input line 56)
--

-- dumpconv: declared type → PostgreSQL type (the README's Types table):
-- dumpconv:   avatar BLOB → bytea
-- dumpconv: column createdAt: timestamp (Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text)
CREATE TABLE public."Profile" (
    id text NOT NULL,
    bio text,
    avatar bytea,
    settings text NOT NULL DEFAULT '{}',
    "userId" text NOT NULL,
    "createdAt" timestamp NOT NULL DEFAULT (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')
);

COPY public."Profile" (id, bio, avatar, settings, "userId", "createdAt") FROM stdin;
900ceefb-f2af-4474-aeed-2a66d83b1a34	Curiouser and curiouser.	\\x89504e470d0a1a0a0000000d4948445200000001000000010806000000	{"theme":"dark","notifications":{"email":false}}	clr1a2b3c0000qz8v1h3k4m5a	2024-03-21T08:00:00.000Z
608c4185-4b02-470c-9d27-db0745e4ab80	\N	\N	{}	clr1a2b3c0001qz8v1h3k4m5b	2024-03-21T08:00:00.004Z
34e05795-0f1e-4ea1-a9a4-29750b0dd5a8	Développeuse à Lyon	\\x	{"lang":"fr"}	clr1a2b3c0002qz8v1h3k4m5c	2024-03-21T08:00:00.019Z
dee5bb40-97af-4ac4-9a6a-310caa6f326d	Hi, I'm Grace.	\\x00ff00ff	{"theme":"light"}	cmi8q2w3e0000qz8vp7o6i5u4	2025-11-21T17:03:45.000Z
9a03ceae-0f9a-4226-96ec-f705a4f45040	\N	\N	{}	cmi9r3t4y0001qz8vl2k3j4h5	2025-11-22T08:00:00.500Z
\.

--
-- Name: Post; Type: TABLE; Schema: public (input line 70)
--

-- dumpconv: declared type → PostgreSQL type (the README's Types table):
-- dumpconv:   id INTEGER → bigint, price DECIMAL → numeric, rating REAL → double precision
-- dumpconv: column publishedAt: timestamp (Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text)
-- dumpconv: column createdAt: timestamp (Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text)
-- dumpconv: column updatedAt: timestamp (Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text)
CREATE TABLE public."Post" (
    id bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,
    title text NOT NULL,
    content text,
    published boolean NOT NULL DEFAULT false,
    "viewCount" bigint NOT NULL DEFAULT 0,
    price numeric,
    rating double precision,
    metadata text,
    "authorId" text NOT NULL,
    "publishedAt" timestamp,
    "createdAt" timestamp NOT NULL DEFAULT (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'),
    "updatedAt" timestamp NOT NULL
);

COPY public."Post" (id, title, content, published, "viewCount", price, rating, metadata, "authorId", "publishedAt", "createdAt", "updatedAt") FROM stdin;
1	Hello World	First post.	1	120	\N	\N	{"tags":["intro"],"featured":true}	clr1a2b3c0000qz8v1h3k4m5a	2024-01-06 11:20:00.000000+00	2024-01-06 10:11:40.000000+00	2024-01-06 11:20:00.000000+00
2	Draft	\N	0	0	\N	\N	\N	clr1a2b3c0000qz8v1h3k4m5a	\N	2024-01-06 10:13:20.000000+00	2024-01-06 10:13:20.000000+00
3	Pricing page	Plans & prices	1	42	29.99	4.5	{"currency":"EUR","tiers":[{"name":"basic","price":9.99}]}	clr1a2b3c0002qz8v1h3k4m5c	2024-02-14 08:40:00.000000+00	2024-02-14 07:46:40.000000+00	2024-02-14 08:40:00.000000+00
5	Going viral		1	9007199254740993	0	4.75	{"shares":1e6,"ratio":0.1}	clw5x8y7z0000qz8v9k2j3h4e	2024-06-02 14:20:33.777000+00	2024-06-02 14:20:00.000000+00	2024-08-19 16:05:09.081000+00
6	Ünïcödé 🚀	Emoji: 🚀✨, CJK: 漢字	1	9223372036854775807	100	\N	[]	clr1a2b3c0002qz8v1h3k4m5c	2024-09-03 11:11:11.111000+00	2024-09-03 11:10:00.000000+00	2024-09-03 11:11:11.111000+00
7	Free stuff	\N	0	0	0.1	-1.0	\N	clr1a2b3c0001qz8v1h3k4m5b	\N	2025-01-15 08:00:00.000000+00	2025-01-15 08:00:00.000000+00
8	Old import	Imported with the right epoch	1	17	19.99	3.0	{"source":"wordpress","id":"0042"}	clr1a2b3c0000qz8v1h3k4m5a	2000-01-01 00:00:00.000000+00	2000-01-01 00:00:00.000000+00	2025-01-15 08:00:00.000000+00
\.

--
-- identity sequences, past the largest id (and sqlite_sequence's)
--

SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('"public"."Tag"', 'id'), 4, true);

SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('"public"."Post"', 'id'), 9, true);

--
-- keys, indexes, foreign keys, checks and views (after the data)
--

ALTER TABLE ONLY public._prisma_migrations ADD CONSTRAINT _prisma_migrations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public."User" ADD CONSTRAINT "User_pkey" PRIMARY KEY (id);

ALTER TABLE ONLY public."Tag" ADD CONSTRAINT "Tag_pkey" PRIMARY KEY (id);

ALTER TABLE ONLY public."Profile" ADD CONSTRAINT "Profile_pkey" PRIMARY KEY (id);

ALTER TABLE ONLY public."Post" ADD CONSTRAINT "Post_pkey" PRIMARY KEY (id);

CREATE UNIQUE INDEX "User_email_key" ON public."User" (email);

CREATE UNIQUE INDEX "Tag_name_key" ON public."Tag" (name);

CREATE UNIQUE INDEX "_PostToTag_AB_unique" ON public."_PostToTag" ("A", "B");

CREATE INDEX "_PostToTag_B_index" ON public."_PostToTag" ("B");

CREATE UNIQUE INDEX "Profile_userId_key" ON public."Profile" ("userId");

DO $dumpconv$
BEGIN
    EXECUTE $sql$ALTER TABLE ONLY public."_PostToTag" ADD CONSTRAINT "_PostToTag_A_fkey" FOREIGN KEY ("A") REFERENCES public."Post" (id) ON DELETE CASCADE ON UPDATE CASCADE$sql$;
EXCEPTION
    WHEN foreign_key_violation OR check_violation THEN
        RAISE WARNING 'dumpconv: foreign key of _PostToTag (A) to Post added NOT VALID: %', SQLERRM;
        EXECUTE $sql$ALTER TABLE ONLY public."_PostToTag" ADD CONSTRAINT "_PostToTag_A_fkey" FOREIGN KEY ("A") REFERENCES public."Post" (id) ON DELETE CASCADE ON UPDATE CASCADE NOT VALID$sql$;
    WHEN others THEN
        RAISE WARNING 'dumpconv: foreign key of _PostToTag (A) to Post not created: %', SQLERRM;
END
$dumpconv$;

DO $dumpconv$
BEGIN
    EXECUTE $sql$ALTER TABLE ONLY public."_PostToTag" ADD CONSTRAINT "_PostToTag_B_fkey" FOREIGN KEY ("B") REFERENCES public."Tag" (id) ON DELETE CASCADE ON UPDATE CASCADE$sql$;
EXCEPTION
    WHEN foreign_key_violation OR check_violation THEN
        RAISE WARNING 'dumpconv: foreign key of _PostToTag (B) to Tag added NOT VALID: %', SQLERRM;
        EXECUTE $sql$ALTER TABLE ONLY public."_PostToTag" ADD CONSTRAINT "_PostToTag_B_fkey" FOREIGN KEY ("B") REFERENCES public."Tag" (id) ON DELETE CASCADE ON UPDATE CASCADE NOT VALID$sql$;
    WHEN others THEN
        RAISE WARNING 'dumpconv: foreign key of _PostToTag (B) to Tag not created: %', SQLERRM;
END
$dumpconv$;

DO $dumpconv$
BEGIN
    EXECUTE $sql$ALTER TABLE ONLY public."Profile" ADD CONSTRAINT "Profile_userId_fkey" FOREIGN KEY ("userId") REFERENCES public."User" (id) ON DELETE CASCADE ON UPDATE CASCADE$sql$;
EXCEPTION
    WHEN foreign_key_violation OR check_violation THEN
        RAISE WARNING 'dumpconv: foreign key of Profile (userId) to User added NOT VALID: %', SQLERRM;
        EXECUTE $sql$ALTER TABLE ONLY public."Profile" ADD CONSTRAINT "Profile_userId_fkey" FOREIGN KEY ("userId") REFERENCES public."User" (id) ON DELETE CASCADE ON UPDATE CASCADE NOT VALID$sql$;
    WHEN others THEN
        RAISE WARNING 'dumpconv: foreign key of Profile (userId) to User not created: %', SQLERRM;
END
$dumpconv$;

DO $dumpconv$
BEGIN
    EXECUTE $sql$ALTER TABLE ONLY public."Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES public."User" (id) ON DELETE RESTRICT ON UPDATE CASCADE$sql$;
EXCEPTION
    WHEN foreign_key_violation OR check_violation THEN
        RAISE WARNING 'dumpconv: foreign key of Post (authorId) to User added NOT VALID: %', SQLERRM;
        EXECUTE $sql$ALTER TABLE ONLY public."Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES public."User" (id) ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID$sql$;
    WHEN others THEN
        RAISE WARNING 'dumpconv: foreign key of Post (authorId) to User not created: %', SQLERRM;
END
$dumpconv$;


COMMIT;

\unrestrict 0123456789abcdef0123456789abcdef
-- report:
info: line 3: the database was written by Prisma (its tables (_prisma_migrations)): from this table on, columns get the types Prisma creates on PostgreSQL [framework] (--framework none keeps the declared types)
info: line 3: _prisma_migrations.finished_at: declared DATETIME, timestamp: Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text [cast-applied]
info: line 3: _prisma_migrations.rolled_back_at: declared DATETIME, timestamp: Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text [cast-applied]
info: line 3: _prisma_migrations.started_at: declared DATETIME, timestamp: Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text [cast-applied]
info: line 16: User.createdAt: declared DATETIME, timestamp: Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text [cast-applied]
info: line 16: User.updatedAt: declared DATETIME, timestamp: Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text [cast-applied]
info: line 33: Tag.createdAt: declared DATETIME, timestamp: Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text [cast-applied]
info: line 56: Profile.createdAt: declared DATETIME, timestamp: Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text [cast-applied]
info: line 70: Post.publishedAt: declared DATETIME, timestamp: Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text [cast-applied]
info: line 70: Post.createdAt: declared DATETIME, timestamp: Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text [cast-applied]
info: line 70: Post.updatedAt: declared DATETIME, timestamp: Prisma: DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as milliseconds since 1970 (UTC), other SQL as text [cast-applied]
info: sqlite3 .dump cuts a text value at its first NUL byte, and a dump cannot show which values were cut [dump-cuts-nul] (to keep every byte, convert the database file itself: dumpconv app.db)
dumpconv: 6 tables, 35 rows, 12 notes (0 lossy)
