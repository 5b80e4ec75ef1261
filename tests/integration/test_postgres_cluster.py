"""The test command's throwaway PostgreSQL: it starts, gives each test its own database, and is a
real server (not a stand-in) on 127.0.0.1."""

import psycopg


def test_each_test_gets_its_own_empty_database_on_a_real_server(pg_url, pg_cluster):
    with psycopg.connect(pg_url) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        conn.execute("CREATE TABLE t (x int)")
    assert int(version) >= 130000 and tables == 0
    assert "127.0.0.1" in pg_url or pg_cluster.directory is None  # PATROL_TEST_PG_URL: theirs
