import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmbeddedDatabase } from "../../src/db/startEmbeddedDatabase.js";
import { connectClient } from "../support/connectClient.js";

/** A database to read from or write to, with its URL, and a way to run SQL scripts in it. */
export type ScratchDatabase = { url: string; run(script: string): Promise<void>; cleanup(): Promise<void> };

/** A fresh database on the server of `adminUrl` (the ltst role has CREATEDB), dropped by cleanup. */
export async function scratchPostgres(adminUrl: string): Promise<ScratchDatabase> {
  const name = `ltst_import_${randomBytes(6).toString("hex")}`;
  const admin = await connectClient(adminUrl);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    run: async (script) => {
      const client = await connectClient(url.toString());
      try {
        await client.query(script);
      } finally {
        await client.end();
      }
    },
    cleanup: async () => {
      const client = await connectClient(adminUrl);
      try {
        await client.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()",
          [name],
        );
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A source in the embedded database: PGlite in a temporary directory, served
 * on its Unix socket as the service serves its own (startEmbeddedDatabase), so
 * `ltst import --from` reads it through a postgres:// URL like any server.
 */
export async function scratchPglite(): Promise<ScratchDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ltst-import-source-"));
  const embedded = await startEmbeddedDatabase({ dataDir: dir });
  return {
    url: embedded.url,
    run: async (script) => {
      const client = await connectClient(embedded.url);
      try {
        await client.query(script);
      } finally {
        await client.end();
      }
    },
    cleanup: async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const big = "x".repeat(1024 * 1024 - 10);

/**
 * The minimal design as teams built it by hand, without the constraints, so
 * that the awkward rows of real copies fit: two conversations of u1 with
 * tied timestamps, NULL timestamps and a 1 MiB message; an orphan message;
 * an unknown role; an empty and a NULL content; a conversation without owner;
 * a summary. Plus `extra` generated messages in conversation c3 (for the
 * crash test).
 */
export function minimalSourceScript(extra = 0): string {
  return `
    CREATE TABLE conversations (id UUID PRIMARY KEY, user_id TEXT, created_at TIMESTAMP DEFAULT NOW());
    CREATE TABLE messages (id UUID PRIMARY KEY, conversation_id UUID, role TEXT, content TEXT, created_at TIMESTAMP DEFAULT NOW());
    CREATE TABLE conversation_summaries (conversation_id UUID PRIMARY KEY, summary TEXT NOT NULL, updated_at TIMESTAMP DEFAULT NOW());
    INSERT INTO conversations VALUES
      ('00000000-0000-4000-8000-000000000001', 'u1', '2024-01-01 10:00:00'),
      ('00000000-0000-4000-8000-000000000002', 'u1', '2024-01-02 10:00:00'),
      ('00000000-0000-4000-8000-000000000003', 'u2', '2024-01-03 10:00:00'),
      ('00000000-0000-4000-8000-000000000004', NULL, '2024-01-04 10:00:00');
    INSERT INTO messages VALUES
      ('10000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 'user', 'second at the same instant, by id', '2024-01-01 10:00:01.123456'),
      ('10000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001', 'user', 'first at the same instant, by id: booking a table', '2024-01-01 10:00:01.123456'),
      ('10000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000001', 'assistant', 'the restaurant near the station has vegetarian options', '2024-01-01 10:00:05'),
      ('10000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000001', 'system', 'no timestamp: sorts first', NULL),
      ('10000000-0000-4000-8000-000000000005', '00000000-0000-4000-8000-000000000001', 'narrator', 'unknown role', '2024-01-01 10:00:06'),
      ('10000000-0000-4000-8000-000000000006', '00000000-0000-4000-8000-000000000001', 'user', '   ', '2024-01-01 10:00:07'),
      ('10000000-0000-4000-8000-000000000007', '00000000-0000-4000-8000-000000000001', 'user', NULL, '2024-01-01 10:00:08'),
      ('10000000-0000-4000-8000-000000000008', '00000000-0000-4000-8000-000000000002', 'user', '${big}', '2024-01-02 10:00:01'),
      ('10000000-0000-4000-8000-000000000009', '00000000-0000-4000-8000-0000000000ff', 'user', 'orphan', '2024-01-02 10:00:02'),
      ('10000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-000000000004', 'user', 'no owner', '2024-01-04 10:00:01');
    INSERT INTO messages
      SELECT ('20000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, '00000000-0000-4000-8000-000000000003',
             CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END,
             'generated message ' || i || ' about trains and timetables', '2024-01-03 10:00:00'::timestamp + i * interval '1 second'
      FROM generate_series(1, ${extra}) AS i;
    INSERT INTO conversation_summaries VALUES ('00000000-0000-4000-8000-000000000001', 'They booked a table.', '2024-01-01 11:00:00');
  `;
}

/** The LTST design, with its oddities: human/ai roles, message_index gaps and duplicates, NULL timestamps, preferences in context. */
export function ltstSourceScript(): string {
  return `
    CREATE TABLE conversation_sessions (
      session_id VARCHAR(255) PRIMARY KEY, user_id VARCHAR(255), session_name VARCHAR(500),
      session_type VARCHAR(100) DEFAULT 'conversation', status VARCHAR(50) DEFAULT 'active', metadata JSONB DEFAULT '{}',
      context_summary TEXT, relevance_score FLOAT DEFAULT 0.0, created_at TIMESTAMP, last_activity TIMESTAMP,
      context_count INTEGER, last_summary_update TIMESTAMP);
    CREATE TABLE conversation_messages (
      id SERIAL PRIMARY KEY, session_id VARCHAR(255) NOT NULL, message_type VARCHAR(50) DEFAULT 'message',
      role VARCHAR(50) NOT NULL, content TEXT NOT NULL, content_hash VARCHAR(64) NOT NULL, context_hash VARCHAR(64) NOT NULL,
      timestamp TIMESTAMP, message_index INTEGER NOT NULL, metadata JSONB DEFAULT '{}', relevance_score FLOAT DEFAULT 0.0,
      is_context_message BOOLEAN DEFAULT FALSE, parent_message_id INTEGER);
    CREATE TABLE conversation_context (
      id SERIAL PRIMARY KEY, session_id VARCHAR(255) NOT NULL, context_type VARCHAR(100) NOT NULL,
      context_key VARCHAR(255) NOT NULL, context_value TEXT NOT NULL, relevance_score FLOAT DEFAULT 0.0,
      context_hash VARCHAR(64) NOT NULL, metadata JSONB DEFAULT '{}', expires_at TIMESTAMP, created_at TIMESTAMP,
      UNIQUE (session_id, context_type, context_key));
    CREATE TABLE user_preferences (
      id SERIAL PRIMARY KEY, user_id VARCHAR(255) NOT NULL, preference_key VARCHAR(255) NOT NULL,
      preference_value TEXT NOT NULL, metadata JSONB DEFAULT '{}', updated_at TIMESTAMP, UNIQUE (user_id, preference_key));
    CREATE TABLE session_relationships (
      id SERIAL PRIMARY KEY, source_session_id VARCHAR(255) NOT NULL, target_session_id VARCHAR(255) NOT NULL,
      relationship_type VARCHAR(100) NOT NULL, relationship_score FLOAT DEFAULT 0.0, metadata JSONB DEFAULT '{}',
      created_at TIMESTAMP, UNIQUE (source_session_id, target_session_id, relationship_type));
    CREATE TABLE session_summary (session_id VARCHAR(255) PRIMARY KEY, message_count INTEGER, total_tokens INTEGER);
    INSERT INTO conversation_sessions (session_id, user_id, session_name, status, metadata, context_summary, relevance_score, created_at, last_activity, last_summary_update) VALUES
      ('s-a', 'alice', 'Trip planning', 'active', '{"team": "travel"}', 'Alice plans a trip to Lisbon.', 0.7, '2024-02-01 09:00:00', '2024-02-01 09:30:00', '2024-02-01 09:20:00'),
      ('s-b', 'alice', 'Follow-up', 'completed', '{}', NULL, 3.5, '2024-02-02 09:00:00', NULL, NULL),
      ('s-c', NULL, 'Nobody''s', 'active', '{}', NULL, 0, NULL, NULL, NULL),
      ('s-d', 'bob', 'Bob''s', 'active', '{}', NULL, 0, '2024-02-03 09:00:00', NULL, NULL);
    INSERT INTO conversation_messages (session_id, role, content, content_hash, context_hash, timestamp, message_index, metadata, parent_message_id) VALUES
      ('s-a', 'human', 'I want to visit Lisbon in spring', 'theirs1', 'ctx1', '2024-02-01 09:00:01', 0, '{"client": "web"}', NULL),
      ('s-a', 'ai', 'Lisbon in April is mild; the trams are worth it', 'theirs2', 'ctx2', '2024-02-01 09:00:02', 2, '{}', 1),
      ('s-a', 'human', 'Duplicate index, later time', 'theirs3', 'ctx3', '2024-02-01 09:00:03', 2, '{}', NULL),
      ('s-a', 'AI', 'No timestamp at all', 'theirs4', 'ctx4', NULL, 5, '{}', NULL),
      ('s-a', 'wizard', 'unknown role', 'theirs5', 'ctx5', '2024-02-01 09:00:06', 6, '{}', NULL),
      ('s-b', 'human', 'Continuing the Lisbon trip', 'theirs6', 'ctx6', '2024-02-02 09:00:01', 0, '{}', NULL),
      ('s-c', 'human', 'no owner', 'theirs7', 'ctx7', '2024-02-02 09:00:01', 0, '{}', NULL),
      ('s-zz', 'human', 'orphan', 'theirs8', 'ctx8', '2024-02-02 09:00:01', 0, '{}', NULL);
    INSERT INTO conversation_context (session_id, context_type, context_key, context_value, relevance_score, context_hash, expires_at, created_at) VALUES
      ('s-a', 'project', 'destination', 'Lisbon', 0.9, 'h', NULL, '2024-02-01 09:00:00'),
      ('s-a', 'preference', 'seat', 'window', 0.5, 'h', NULL, '2024-02-01 09:00:00'),
      ('s-a', 'project', 'old', 'gone', 0.5, 'h', '2001-01-01 00:00:00', '2000-01-01 00:00:00');
    INSERT INTO user_preferences (user_id, preference_key, preference_value, updated_at) VALUES
      ('alice', 'language', 'Portuguese', '2024-02-01 08:00:00');
    INSERT INTO session_relationships (source_session_id, target_session_id, relationship_type, relationship_score, created_at) VALUES
      ('s-b', 's-a', 'continuation', 0.9, '2024-02-02 09:00:00'),
      ('s-a', 's-d', 'similar', 0.2, '2024-02-02 09:00:00');
  `;
}

/**
 * The DSPy RAG system's conversation_memory as copies have it: the original
 * columns (here with the content in `utterance`, a name no importer can
 * guess) plus the columns the LTST design added.
 */
export function memorySourceScript(): string {
  return `
    CREATE TABLE conversation_memory (
      id SERIAL PRIMARY KEY, session_id TEXT, user_id TEXT, role TEXT, utterance TEXT, created_at TIMESTAMPTZ,
      message_type VARCHAR(50), content_hash VARCHAR(64), context_hash VARCHAR(64), message_index INTEGER, metadata JSONB,
      relevance_score FLOAT, is_context_message BOOLEAN, parent_message_id INTEGER);
    INSERT INTO conversation_memory (session_id, user_id, role, utterance, created_at, message_index, metadata) VALUES
      ('m1', 'carol', 'human', 'What is RAG?', '2023-05-01 10:00:00+02', NULL, NULL),
      ('m1', 'carol', 'ai', 'Retrieval-augmented generation.', '2023-05-01 10:00:05+02', NULL, '{"model": "gpt-3.5"}'),
      ('m1', 'carol', 'human', 'Thanks', '2023-05-01 10:00:09+02', NULL, NULL),
      ('m2', NULL, 'human', 'ownerless', '2023-05-02 10:00:00+00', NULL, NULL),
      (NULL, 'carol', 'human', 'no session', '2023-05-02 10:00:00+00', NULL, NULL);
  `;
}
