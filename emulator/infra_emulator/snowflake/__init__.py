"""The embedded default's local Snowflake: SQL API v2 and the connector protocol over fakesnow/DuckDB."""
