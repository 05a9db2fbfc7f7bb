-- The console's usage charts and latency percentiles read every tenant's events of a date range.
CREATE INDEX ix_usage_event_day ON usage_event (usage_day);

-- The console's audit log filters by actor and by action, newest first.
CREATE INDEX ix_audit_event_actor ON audit_event (actor, occurred_at);
CREATE INDEX ix_audit_event_action ON audit_event (action, occurred_at);
