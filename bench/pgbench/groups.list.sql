-- groups.list (count=50), the fewest statements: one. The first page of 50 of the caller's
-- open groups by name, each row carrying the total.
-- The caller is a random member of a random group, as in groups.info.sql.
\set g random(:first_group, :last_group)
\set step :g * :size_step
\set spread :step - int(:step)
\set spread case when :spread < 0 then :spread + 1 else :spread end
\set scaled (:max_size - 2) * pow(:spread, :size_skew)
\set size 2 + int(:scaled) - case when int(:scaled) > :scaled then 1 else 0 end
\set size case when :g = 1 then :max_size when :g = 2 then :small_size else :size end
\set user (:g * :stride + random(0, :size - 1)) % :users + 1
select r.*, count(*) over () as total
from room_members m
join rooms r on r.id = m.room_id and r.type = 'p'
where m.user_id = 'u' || lpad(:user::text, 16, '0') and m.open
order by r.name, r.id
limit 50;
