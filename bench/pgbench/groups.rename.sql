-- groups.rename, the fewest statements: one transaction of four.
--   1. BEGIN.
--   2. The group's turn (the advisory lock every change of a group takes first, key "room" and
--      the hashed room id: see lockGroup in db/queries/rooms.ts), so the changes of one group
--      happen, and are logged, one after another.
--   3. Everything else in one statement, which reads after the turn was granted (a new
--      statement, a new snapshot): the caller must be a member holding `edit-room` through
--      their room roles or global roles, the group live, the name held by no room (this one
--      included) and no user (without case); then the audit entry, the system message (`r`),
--      the new name, the message count and the time, and the answer: the group with its
--      members' usernames. Nothing is written when a rule refuses. The event log's rows come
--      from the triggers.
--   4. COMMIT.
-- The caller is the group's owner (member 0, bench/dataset.ts); the name a random new one.
\set g random(:first_group, :last_group)
\set owner (:g * :stride) % :users + 1
\set name random(1, 999999999999999)
\set message random(0, 9999999999999999)
begin;
select pg_advisory_xact_lock(1919905645, hashtext('r' || lpad(:g::text, 16, '0')));
with input as (
  select 'r' || lpad(:g::text, 16, '0') as room_id, 'u' || lpad(:owner::text, 16, '0') as actor,
    'design-' || :name as name, 'd' || lpad(:message::text, 16, '0') as message_id
), room as (
  select r.id, r.name, m.username as actor_username, i.actor, i.name as new_name, i.message_id
  from input i
  join rooms r on r.id = i.room_id and r.type = 'p' and not r.archived
  join room_members m on m.room_id = r.id and m.user_id = i.actor
  where exists (select 1 from permission_roles p
      where p.permission_id = 'edit-room' and (p.role_id = any (m.roles)
        or p.role_id in (select ur.role_id from user_roles ur where ur.user_id = i.actor)))
    and not exists (select 1 from rooms held where held.name = i.name)
    and not exists (select 1 from users held where lower(held.username) = lower(i.name))
), audit as (
  insert into audit_log (actor_id, actor_username, room_id, action, before, after)
  select actor, actor_username, id, 'groups.rename', jsonb_build_object('name', name),
    jsonb_build_object('name', new_name)
  from room
), message as (
  insert into messages (id, room_id, type, msg, user_id, username)
  select message_id, id, 'r', new_name, actor, actor_username from room
)
update rooms r
set name = room.new_name, fname = room.new_name, msgs = r.msgs + 1, updated_at = now()
from room
where r.id = room.id
returning r.*, array(select o.username from room_members o
  where o.room_id = r.id order by o.created_at, o.username) as usernames;
commit;
