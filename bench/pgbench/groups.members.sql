-- groups.members (count=50), the fewest statements: one. The group, the caller's membership
-- and the first page of 50 members by username, each with the user's name and status (by
-- primary key, for the page only); the total is the group's member count.
-- A random group and one of its members, as in groups.info.sql.
\set g random(:first_group, :last_group)
\set step :g * :size_step
\set spread :step - int(:step)
\set spread case when :spread < 0 then :spread + 1 else :spread end
\set scaled (:max_size - 2) * pow(:spread, :size_skew)
\set size 2 + int(:scaled) - case when int(:scaled) > :scaled then 1 else 0 end
\set size case when :g = 1 then :max_size when :g = 2 then :small_size else :size end
\set user (:g * :stride + random(0, :size - 1)) % :users + 1
select r.id, r.name, r.archived, r.users_count as total,
  (select coalesce(json_agg(json_build_object('_id', u.id, 'username', u.username,
      'name', u.name, 'status', u.status) order by page.username, page.user_id), '[]')
    from (select o.user_id, o.username from room_members o
      where o.room_id = r.id order by o.username, o.user_id limit 50) page
    join users u on u.id = page.user_id) as members
from rooms r
join room_members m on m.room_id = r.id and m.user_id = 'u' || lpad(:user::text, 16, '0')
where r.id = 'r' || lpad(:g::text, 16, '0') and r.type = 'p';
