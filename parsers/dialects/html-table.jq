# A provider that publishes its free models only as an HTML page: the first
# <table> whose header row names the descriptor's "columns.model" column.
# "columns" maps our fields (model, name, context_length, rpm, rpd, tpm, tpd)
# to the page's header texts.  The page arrives as a tree (see afmts-parse(1)).
$in.provider.columns as $cols
| if ($cols.model | type) != "string" then error("descriptor needs columns.model for html-table") else . end
| [$in.body | afmts_elements("table")
   | [afmts_elements("tr") | [.children[] | objects | select(.tag == "th" or .tag == "td")
                              | afmts_text | gsub("^\\s+|\\s+$"; "")]]
   | select(length > 0 and (.[0] | afmts_has($cols.model)))] as $tables
| if ($tables | length) == 0 then error("no table with a \"" + $cols.model + "\" column") else . end
| $tables[0] as $rows
| ($rows[0]) as $head
| ($cols | with_entries(.value as $h | .value = ($head | afmts_position($h)))) as $at
| $rows[1:][]
| select(length == ($head | length))
| . as $r
| {model: $r[$at.model],
   name: (if $at.name != null then $r[$at.name] else null end),
   context_length: (if $at.context_length != null then ($r[$at.context_length] | afmts_cell_num) else null end),
   limits: ({rpm: $at.rpm, rpd: $at.rpd, tpm: $at.tpm, tpd: $at.tpd}
            | with_entries(select(.value != null) | .value = ($r[.value] | afmts_cell_num)))}
| select(.model != null and .model != "")
