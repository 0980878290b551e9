/*
 * afmts-report: the report a user reads every morning: what is free, what
 * changed, what was used, what it cost and what it saved.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "err.h"
#include "outfile.h"
#include "paths.h"
#include "period.h"
#include "report.h"
#include "table.h"
#include "utctime.h"

static const char synopsis[] =
    "[--db PATH] [--day YYYY-MM-DD | --from DAY --to DAY] [--tz ZONE]\n"
    "       [--format html|csv|json|md] [--section NAME] [-o FILE] [--from-usage]";

static const char options[] =
    "Write a report of the catalog over whole days: free models per provider and\n"
    "what changed, usage per model (requests, tokens, errors, latency p50/p95),\n"
    "cost and savings, and 30-day trends.\n"
    "\n"
    "  --db PATH         the catalog (default $AFMTS_DB, else the XDG state dir)\n"
    "  --day DAY         one day, YYYY-MM-DD (default: yesterday)\n"
    "  --from DAY        the first day of a period (at most 366 days)\n"
    "  --to DAY          its last day\n"
    "  --tz ZONE         days in this time zone (Europe/Paris ...); default UTC\n"
    "  --format FMT      html (default: one page with charts), csv, json\n"
    "                    (JSON lines), md\n"
    "  --section NAME    only this table: headline, summary, changes, usage,\n"
    "                    cost, trend, daily (required by csv)\n"
    "  -o, --output FILE write FILE (whole or not at all) instead of stdout\n"
    "  --from-usage      add up the usage rows, not the daily roll-ups (the same\n"
    "                    figures, slower; automatic when --tz shifts the day)\n"
    "  -h, --help        this help\n"
    "      --version     print the version\n"
    "\n"
    "AFMTS_NOW (RFC 3339 or epoch seconds) replaces the clock, for tests.\n"
    "Exit status: 0 written, 2 usage, 3 catalog missing or busy, 4 error.\n";

enum { OPT_DB = 0x200, OPT_DAY, OPT_FROM, OPT_TO, OPT_TZ, OPT_FORMAT, OPT_SECTION,
	OPT_FROM_USAGE };

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "db", required_argument, NULL, OPT_DB },
	{ "day", required_argument, NULL, OPT_DAY },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "section", required_argument, NULL, OPT_SECTION },
	{ "output", required_argument, NULL, 'o' },
	{ "from-usage", no_argument, NULL, OPT_FROM_USAGE },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char	*db, *day, *from, *to, *tz, *section, *output;
	int		 format, from_usage;
};

static void
parse_options(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof *o);
	o->format = TABLE_HTML;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: o->db = optarg; break;
		case OPT_DAY: o->day = optarg; break;
		case OPT_FROM: o->from = optarg; break;
		case OPT_TO: o->to = optarg; break;
		case OPT_TZ: o->tz = optarg; break;
		case OPT_SECTION: o->section = optarg; break;
		case 'o': o->output = optarg; break;
		case OPT_FROM_USAGE: o->from_usage = 1; break;
		case OPT_FORMAT:
			if ((o->format = table_format_named(optarg)) == -1)
				cli_usage_error("--format %s: not html, csv, json or md", optarg);
			break;
		default:
			cli_common(c);
		}
	}
	if (optind < argc)
		cli_usage_error("%s: unexpected argument", argv[optind]);
	if (o->day != NULL && (o->from != NULL || o->to != NULL))
		cli_usage_error("--day and --from/--to name the period twice");
	if (o->section != NULL && !report_has_section(o->section))
		cli_usage_error("--section %s: not one of %s", o->section, report_section_list());
	if (o->format == TABLE_HTML && o->section != NULL)
		cli_usage_error("--section is for csv, json and md (html is the whole report)");
	if (o->format == TABLE_CSV && o->section == NULL)
		cli_usage_error("csv holds one table: name it with --section (%s)",
		    report_section_list());
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct period p;
	struct report r;
	sqlite3 *db = NULL;
	char *path, *tmp;
	FILE *out;
	time_t now;
	int code, ok;

	err_setprog("afmts-report");
	cli_start("afmts-report", synopsis, options);
	parse_options(argc, argv, &o);
	if ((now = utctime_now()) == (time_t)-1)
		cli_usage_error("AFMTS_NOW: not a time (RFC 3339 or seconds since the epoch)");
	if (period_make(&p, o.day, o.from, o.to, o.tz, now) == -1)
		return CLI_USAGE;
	if ((path = paths_catalog(o.db)) == NULL)
		return CLI_USAGE;
	code = catalog_open_existing(path, REPORT_SCHEMA, 0, &db);
	if (code != CATALOG_OK) {
		if (code == CATALOG_MISSING)
			err_warn("catalog %s: not found (run afmts-discover first)", path);
		free(path);
		return catalog_exit(code);
	}
	free(path);
	if ((out = outfile_open(o.output, &tmp)) == NULL) {
		catalog_close(db);
		return CLI_FAILED;
	}
	ok = report_begin(&r, db, &p, o.from_usage) == 0;
	r.tz = o.tz;
	if (ok)
		ok = (o.format == TABLE_HTML ? report_html(&r, out) : report_tables(&r, o.section, (enum table_format)o.format, out)) == 0;
	report_end(&r);
	catalog_close(db);
	return outfile_close(out, o.output, tmp, ok) == 0 ? CLI_OK : CLI_FAILED;
}
