-- Run once on the new primary, as a superuser, before the standby is attached: its own commits
-- must not wait for a synchronous standby that does not exist yet.
set synchronous_commit = local;
create role groups login password 'groups-password';
create database groups owner groups;
create role replicator login replication password 'replicator-password';
