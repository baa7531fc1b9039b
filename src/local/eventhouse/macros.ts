// DuckDB macros the translated SQL calls (kq_*): created on the engine's connection at start-up, before any query.

/** Helper macros the generated SQL uses; created once per database file at startup. */
export const MACROS = [
  'CREATE OR REPLACE MACRO kq_pmod(x, m) AS ((x % m) + m) % m',
  // Kusto's %: always 0 <= N % D < abs(D) (the numerical operators page: -14 % 12 is 10, 14 % -12 is 2).
  'CREATE OR REPLACE MACRO kq_mod(x, m) AS ((x % m) + abs(m)) % abs(m)',
  'CREATE OR REPLACE MACRO kq_fmod(x, m) AS fmod(fmod(x, m) + abs(m), abs(m))',
  // Floor to a multiple of m (integer // truncates toward zero, which is wrong before 1970).
  'CREATE OR REPLACE MACRO kq_floor_ns(x, m) AS CASE WHEN x < 0 THEN ((x + 1) // m - 1) * m ELSE x // m * m END',
  // floor(x / m) itself: the bin number a summarize groups on.
  'CREATE OR REPLACE MACRO kq_floordiv(x, m) AS CASE WHEN x < 0 THEN (x + 1) // m - 1 ELSE x // m END',
  // substring(): start is zero-based, a negative one counts back from the end; the length is optional (NULL).
  `CREATE OR REPLACE MACRO kq_substr(s, st, ln) AS substr(s, CAST(CASE WHEN st < 0 THEN greatest(length(s) + st, 0) ELSE st END AS BIGINT) + 1,
     CAST(CASE WHEN ln IS NULL THEN length(s) + 1 ELSE greatest(ln, 0) END AS BIGINT))`,
  // indexof(s, match, start, length): the first match lying wholly in [start, start + length) (length -1: to the
  // end), as an index into s; -1 when there is none; null for a start before the beginning or a length below -1.
  'CREATE OR REPLACE MACRO kq_found_at(pos, base) AS CASE WHEN pos = 0 THEN -1 ELSE base + pos - 1 END',
  `CREATE OR REPLACE MACRO kq_indexof_at(s, m, base, ln) AS CASE WHEN base < 0 OR ln < -1 THEN NULL
     ELSE kq_found_at(strpos(substr(s, base + 1, CAST(CASE WHEN ln = -1 THEN length(s) + 1 ELSE ln END AS BIGINT)), m), base) END`,
  'CREATE OR REPLACE MACRO kq_indexof(s, m, st, ln) AS kq_indexof_at(s, m, CAST(CASE WHEN st < 0 THEN length(s) + st ELSE st END AS BIGINT), ln)',
  // Property bags merged: the first value a key has in l wins, keys in the order they first appear; values that
  // are not bags are skipped; at most maxn keys (NULL: no limit). make_bag's merge of a group's bags.
  `CREATE OR REPLACE MACRO kq_bag_of(l, maxn) AS (SELECT coalesce(to_json(map_from_entries(list_slice(list({'key': k, 'value': v} ORDER BY p), 1, coalesce(maxn, 9223372036854775807)))), CAST('{}' AS JSON))
     FROM (SELECT e.key AS k, first(e.value ORDER BY p) AS v, min(p) AS p
       FROM (SELECT unnest(m) AS e, o * 4294967296 + generate_subscripts(m, 1) AS p
         FROM (SELECT map_entries(TRY_CAST(b AS MAP(VARCHAR, JSON))) AS m, o FROM (SELECT unnest(l) AS b, generate_subscripts(l, 1) AS o)))
       GROUP BY e.key))`,
  // A dynamic value as a MAP of its properties; an empty one for a value that is not a bag (which bag_merge skips).
  `CREATE OR REPLACE MACRO kq_bag_map(b) AS coalesce(TRY_CAST(CAST(b AS JSON) AS MAP(VARCHAR, JSON)), CAST(MAP {} AS MAP(VARCHAR, JSON)))`,
  // array_slice(arr, start, end): inclusive, zero-based, a negative index counts from the end; out-of-range indexes
  // are clipped; null for a value that is not an array.
  `CREATE OR REPLACE MACRO kq_arr_slice(arr, st, en) AS CASE WHEN json_type(arr) = 'ARRAY' THEN to_json(list_slice(json_extract(arr, '$[*]'),
     greatest(CASE WHEN st < 0 THEN json_array_length(arr) + st ELSE st END, 0) + 1,
     CASE WHEN en < 0 THEN json_array_length(arr) + en ELSE en END + 1)) END`,
  // array_index_of over the elements' match flags: the occ-th match in [st, st + ln) (ln -1: to the end), -1 when
  // there is none; null for a start before the beginning, a length below -1 or an occurrence below 1.
  `CREATE OR REPLACE MACRO kq_arr_nth_hit(hits, base, ln, occ) AS CASE WHEN base < 0 OR ln < -1 OR occ < 1 THEN NULL ELSE
     coalesce(list_filter(range(len(hits)), i -> i >= base AND (ln = -1 OR i < base + ln) AND hits[i + 1])[occ], -1) END`,
  `CREATE OR REPLACE MACRO kq_arr_index_of(hits, isarr, st, ln, occ) AS CASE WHEN NOT isarr THEN NULL ELSE
     kq_arr_nth_hit(hits, CASE WHEN st < 0 THEN len(hits) + st ELSE st END, ln, occ) END`,
  'CREATE OR REPLACE MACRO kq_dt_add(dt, ticks) AS make_timestamp_ns(CAST(epoch_ns(dt) + CAST(ticks AS BIGINT) * 100 AS BIGINT))',
  'CREATE OR REPLACE MACRO kq_dt_diff(a, b) AS (epoch_ns(a) - epoch_ns(b)) // 100',
  // %n formats TIMESTAMP_NS itself (a cast to TIMESTAMP first truncated pre-1970 fractions toward 1970); every
  // TIMESTAMP_NS has a 4-digit year, so the first 27 characters are the seconds and 7 fractional digits.
  "CREATE OR REPLACE MACRO kq_dt_str(dt) AS left(strftime(CAST(dt AS TIMESTAMP_NS), '%Y-%m-%dT%H:%M:%S.%n'), 27) || 'Z'",
  `CREATE OR REPLACE MACRO kq_ts_str(t) AS CASE WHEN t IS NULL THEN NULL ELSE
     (CASE WHEN t < 0 THEN '-' ELSE '' END)
     || (CASE WHEN abs(t) >= 864000000000 THEN CAST(abs(t) // 864000000000 AS VARCHAR) || '.' ELSE '' END)
     || lpad(CAST((abs(t) // 36000000000) % 24 AS VARCHAR), 2, '0') || ':'
     || lpad(CAST((abs(t) // 600000000) % 60 AS VARCHAR), 2, '0') || ':'
     || lpad(CAST((abs(t) // 10000000) % 60 AS VARCHAR), 2, '0')
     || (CASE WHEN abs(t) % 10000000 <> 0 THEN '.' || lpad(CAST(abs(t) % 10000000 AS VARCHAR), 7, '0') ELSE '' END) END`,
  // tostring(real) as .NET writes a double: the shortest text that reads back, with a capital E (1E+20, 1E-05).
  "CREATE OR REPLACE MACRO kq_real_str(x) AS CASE WHEN x IS NULL THEN NULL WHEN isnan(x) THEN 'NaN' WHEN isinf(x) THEN (CASE WHEN x > 0 THEN 'Infinity' ELSE '-Infinity' END) WHEN x = trunc(x) AND abs(x) < 1e15 THEN CAST(CAST(x AS BIGINT) AS VARCHAR) ELSE replace(CAST(x AS VARCHAR), 'e', 'E') END",
  "CREATE OR REPLACE MACRO kq_dec_str(d) AS CASE WHEN contains(CAST(d AS VARCHAR), '.') THEN rtrim(rtrim(CAST(d AS VARCHAR), '0'), '.') ELSE CAST(d AS VARCHAR) END",
  // ISO 8601 first (the 100 ns path), then the US month/day/year forms the service also reads ("02/17/2016 08:40:01").
  "CREATE OR REPLACE MACRO kq_parse_dt(s) AS coalesce(TRY_CAST(trim(s) AS TIMESTAMP_NS), CAST(try_strptime(trim(s), ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y']) AS TIMESTAMP_NS))",
  `CREATE OR REPLACE MACRO kq_parse_ts(s) AS CASE
     WHEN regexp_matches(trim(s), '^-?(\\d+\\.)?\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d{1,7})?)?$') THEN
       (CASE WHEN starts_with(trim(s), '-') THEN -1 ELSE 1 END) * (
         coalesce(TRY_CAST(regexp_extract(trim(s), '^-?(\\d+)\\.\\d{1,2}:', 1) AS BIGINT), 0) * 864000000000
         + CAST(regexp_extract(trim(s), '(\\d{1,2}):(\\d{2})', 1) AS BIGINT) * 36000000000
         + CAST(regexp_extract(trim(s), '(\\d{1,2}):(\\d{2})', 2) AS BIGINT) * 600000000
         + coalesce(TRY_CAST(regexp_extract(trim(s), '\\d{1,2}:\\d{2}:(\\d{2})', 1) AS BIGINT), 0) * 10000000
         + coalesce(TRY_CAST(rpad(regexp_extract(trim(s), ':\\d{2}\\.(\\d{1,7})$', 1), 7, '0') AS BIGINT), 0))
     END`,
];
