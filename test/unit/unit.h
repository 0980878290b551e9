/*
 * unit: a very small unit test runner for lib/.
 *
 * A test is a void function; CHECK records a failure and carries on.  The
 * runner prints TAP-like "ok N name" lines and, last, "N passed, N failed".
 */
#ifndef AFMTS_UNIT_H
#define AFMTS_UNIT_H

void unit_fail(const char *file, int line, const char *expr);

#define CHECK(c) do { if (!(c)) unit_fail(__FILE__, __LINE__, #c); } while (0)

/* Every test, defined in test_*.c, listed in unit.c. */
#define UNIT_TESTS(X) \
	X(jsonl_reads_lines_and_counts_them) \
	X(jsonl_handles_crlf_bom_blank_and_no_final_newline) \
	X(jsonl_reports_malformed_line_and_carries_on) \
	X(jsonl_skips_overlong_line_and_carries_on) \
	X(jsonl_reads_lines_longer_than_its_buffer) \
	X(jsonl_rejects_two_values_on_one_line) \
	X(jsonl_write_emits_one_compact_line) \
	X(jsonl_write_escapes_strings_and_prints_numbers_exactly) \
	X(jsonl_text_without_leaves_out_one_member) \
	X(utctime_parses_rfc3339_forms) \
	X(utctime_rejects_bad_times) \
	X(utctime_formats_utc) \
	X(utctime_now_obeys_afmts_now) \
	X(utctime_day_windows_reset_where_documented) \
	X(paths_follow_xdg_and_overrides) \
	X(model_accepts_a_good_record) \
	X(model_plain_reader_agrees_with_libjq) \
	X(model_plain_reader_reads_numbers_as_written) \
	X(model_rejects_each_bad_field) \
	X(model_checks_price_tiers) \
	X(registry_checks_names_and_descriptors) \
	X(registry_wants_evidence) \
	X(finish_scales_prices_and_counts) \
	X(finish_applies_each_free_rule) \
	X(finish_merges_limits_features_and_fields) \
	X(finish_scales_sorts_and_drops_price_tiers) \
	X(strset_adds_finds_and_grows) \
	X(strset_keeps_a_value_per_string_and_clears) \
	X(http_redacts_every_copy_of_a_key) \
	X(http_reads_retry_after_seconds_and_dates) \
	X(fetchline_decides_body_text_or_error) \
	X(fetchline_keeps_a_transport_error_and_no_body) \
	X(condcache_saves_loads_and_checks_validators) \
	X(pagerule_sets_and_gets_dotted_paths) \
	X(escape_csv_html_and_md) \
	X(table_reals_are_plain) \
	X(period_days_ranges_and_zones) \
	X(chart_folds_series_and_escapes_names) \
	X(figure_groups_thousands_with_commas) \
	X(figure_writes_money_durations_and_percentages) \
	X(column_labels_and_units_by_machine_name) \
	X(sha256_matches_the_standard_vectors) \
	X(usage_plain_reader_agrees_with_libjq) \
	X(form_pairs_without_equals_have_an_empty_value) \
	X(route_rules_make_each_kind_from_its_request) \
	X(route_the_longest_request_keeps_to_its_bounds) \
	X(names_provider_rule) \
	X(names_usage_lines_and_outcomes_take_the_same_providers) \
	X(names_clean_text_has_no_control_characters) \
	X(probe_counts_slots_as_libjq_does) \
	X(probe_reads_answers_and_refuses_urls) \
	X(cache_new_file_opened_by_workers_at_once)

#define UNIT_DECLARE(name) void test_##name(void);
UNIT_TESTS(UNIT_DECLARE)

#endif
