-- The event store's functions and triggers: code, not data, applied at every start.
-- The relay's horizon: events are read only below the oldest transaction still running that could
-- be writing them. `pg_snapshot_xmin(pg_current_snapshot())` spans the whole server, so a stuck
-- transaction in another service's database (services may share a server) held every relay back;
-- transactions proven to run in another database are left out. One whose database cannot be told
-- (it ended a moment ago, or this role may not read other sessions' xids without pg_read_all_stats)
-- still counts: a horizon may only ever be too low, never too high.
CREATE OR REPLACE FUNCTION es.commit_horizon() RETURNS xid8 LANGUAGE sql STABLE AS $$
    WITH snapshot AS (SELECT pg_current_snapshot() AS s),
    elsewhere AS (
        SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND datname IS NOT NULL AND datname <> current_database()
        UNION ALL
        SELECT transaction::text::bigint FROM pg_prepared_xacts WHERE database <> current_database()
    )
    SELECT coalesce(
        (SELECT min(x) FROM pg_snapshot_xip(snapshot.s) AS x
         WHERE x::text::bigint % 4294967296 NOT IN (SELECT xid FROM elsewhere)),
        pg_snapshot_xmax(snapshot.s))
    FROM snapshot
$$;

-- The relay is woken by the appending process itself (`relay.Wakeup`): a trigger that notified on
-- every append made every commit take the notification queue's lock, which serialised appends
-- (removing it roughly doubled appends/s). Earlier releases created it; it goes.
DROP TRIGGER IF EXISTS events_appended ON es.events;
DROP FUNCTION IF EXISTS es.notify_appended();
