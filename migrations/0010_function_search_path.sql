-- Up Migration
-- ltst_any_word_tsquery (0002) calls the aggregate ltst_tsquery_or_agg by
-- its bare name, which the search_path of the session running it resolves.
-- On Citus the function runs on the workers, in connections with the
-- default search_path: where the service's tables live in a schema other
-- than public (the Citus tests give each test file a schema of its own),
-- the aggregate is not found there and every search fails. The function now
-- carries the search_path it was migrated with (Citus propagates the ALTER
-- to the workers). A function with a SET clause is never inlined, and this
-- one never was (its body has a FROM).
DO $$
BEGIN
  EXECUTE format(
    'ALTER FUNCTION ltst_any_word_tsquery(text) SET search_path = %s',
    coalesce(
      (SELECT string_agg(quote_ident(schema), ', ' ORDER BY position)
       FROM unnest(current_schemas(false)) WITH ORDINALITY AS path(schema, position)),
      'public'));
END
$$;

-- Down Migration
ALTER FUNCTION ltst_any_word_tsquery(text) RESET search_path;
