-- groups.invite then groups.leave, the fewest statements: two transactions of four, one per
-- request, so one run of this script counts as two requests.
-- Each is BEGIN; the group's turn (see groups.rename.sql); one statement with the rules, the
-- writes and the answer (the group with its members' usernames), reading after the turn was
-- granted; COMMIT. Nothing is written when a rule refuses; the event log's rows come from the
-- triggers.
--   invite: the caller must be a member holding `add-user-to-joined-room` through their room
--     roles or global roles, the group live, the invitee an active user; a user already in the
--     group stays as they are (nothing else is written, and the answer is the group as it is);
--     else the membership, the audit entry, the system message (`au`), the member and message
--     counts and the time.
--   leave: the caller must be a member holding `leave-p` through their global roles, the group
--     live, and not its last owner; then the membership goes, with the audit entry, the system
--     message (`ul`), the counts and the time.
-- The owner (member 0) invites a user who is in no group position below max_size, so never a
-- member (bench/dataset.ts); each client draws its invitees from its own share of those users,
-- so no two clients work on one (group, user) pair at once.
\set g random(:first_group, :last_group)
\set owner (:g * :stride) % :users + 1
\set slots greatest(1, (:users - :max_size) / :clients)
\set invitee (:g * :stride + :max_size + :client_id + :clients * random(0, :slots - 1)) % :users + 1
\set invite_message random(0, 9999999999999999)
\set leave_message random(0, 9999999999999999)
begin;
select pg_advisory_xact_lock(1919905645, hashtext('r' || lpad(:g::text, 16, '0')));
with input as (
  select 'r' || lpad(:g::text, 16, '0') as room_id, 'u' || lpad(:owner::text, 16, '0') as actor,
    'u' || lpad(:invitee::text, 16, '0') as invitee,
    'd' || lpad(:invite_message::text, 16, '0') as message_id
), room as (
  select r.id, m.username as actor_username, i.actor, i.invitee, i.message_id
  from input i
  join rooms r on r.id = i.room_id and r.type = 'p' and not r.archived
  join room_members m on m.room_id = r.id and m.user_id = i.actor
  where exists (select 1 from permission_roles p
    where p.permission_id = 'add-user-to-joined-room' and (p.role_id = any (m.roles)
      or p.role_id in (select ur.role_id from user_roles ur where ur.user_id = i.actor)))
), added as (
  insert into room_members (room_id, user_id, roles)
  select room.id, u.id, '{}' from room join users u on u.id = room.invitee and u.active
  on conflict (room_id, user_id) do nothing
  returning user_id, username
), audit as (
  insert into audit_log (actor_id, actor_username, room_id, action, after)
  select room.actor, room.actor_username, room.id, 'groups.invite',
    jsonb_build_object('member', added.username)
  from room, added
), message as (
  insert into messages (id, room_id, type, msg, user_id, username)
  select room.message_id, room.id, 'au', added.username, room.actor, room.actor_username
  from room, added
), changed as (
  update rooms r set users_count = r.users_count + 1, msgs = r.msgs + 1, updated_at = now()
  from room
  where r.id = room.id and exists (select 1 from added)
  returning r.*
)
select c.*, array(select o.username from room_members o
    where o.room_id = c.id order by o.created_at, o.username)
  || array(select username from added) as usernames
from changed c
union all
select r.*, array(select o.username from room_members o
    where o.room_id = r.id order by o.created_at, o.username)
from rooms r join room on r.id = room.id
where not exists (select 1 from changed);
commit;
begin;
select pg_advisory_xact_lock(1919905645, hashtext('r' || lpad(:g::text, 16, '0')));
with input as (
  select 'r' || lpad(:g::text, 16, '0') as room_id, 'u' || lpad(:invitee::text, 16, '0') as actor,
    'd' || lpad(:leave_message::text, 16, '0') as message_id
), me as (
  select r.id, m.username, m.roles, i.actor, i.message_id
  from input i
  join rooms r on r.id = i.room_id and r.type = 'p' and not r.archived
  join room_members m on m.room_id = r.id and m.user_id = i.actor
  where exists (select 1 from permission_roles p join user_roles ur on ur.role_id = p.role_id
      where p.permission_id = 'leave-p' and ur.user_id = i.actor)
    and case when 'owner' = any (m.roles)
      then (select count(*) from room_members o
        where o.room_id = r.id and 'owner' = any (o.roles)) > 1
      else true end
), gone as (
  delete from room_members d using me
  where d.room_id = me.id and d.user_id = me.actor
  returning d.room_id
), audit as (
  insert into audit_log (actor_id, actor_username, room_id, action, before)
  select actor, username, id, 'groups.leave',
    jsonb_build_object('member', username, 'roles', to_jsonb(roles))
  from me
), message as (
  insert into messages (id, room_id, type, msg, user_id, username)
  select message_id, id, 'ul', username, actor, username from me
)
update rooms r set users_count = r.users_count - 1, msgs = r.msgs + 1, updated_at = now()
from gone join me on me.id = gone.room_id
where r.id = gone.room_id
returning r.*, array(select o.username from room_members o
  where o.room_id = r.id and o.user_id <> me.actor order by o.created_at, o.username) as usernames;
commit;
