-- groups.info, the fewest statements: one. The group, the caller's membership (no row: not a
-- member, or no such group) and every member's username in joining order.
-- A random group in [first_group, last_group] and a random member of it, drawn like the
-- bench's read pairs (bench/dataset.ts: member k of group g is user (g * stride + k) % users + 1).
\set g random(:first_group, :last_group)
\set step :g * :size_step
\set spread :step - int(:step)
\set spread case when :spread < 0 then :spread + 1 else :spread end
\set scaled (:max_size - 2) * pow(:spread, :size_skew)
\set size 2 + int(:scaled) - case when int(:scaled) > :scaled then 1 else 0 end
\set size case when :g = 1 then :max_size when :g = 2 then :small_size else :size end
\set user (:g * :stride + random(0, :size - 1)) % :users + 1
select r.*, m.roles as member_roles,
  array(select o.username from room_members o
    where o.room_id = r.id order by o.created_at, o.username) as usernames
from rooms r
join room_members m on m.room_id = r.id and m.user_id = 'u' || lpad(:user::text, 16, '0')
where r.id = 'r' || lpad(:g::text, 16, '0') and r.type = 'p';
