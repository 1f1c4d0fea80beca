// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: a recording, as 'primetrace trace -j' writes it, through
 * everything that reads one. Each line is parsed; records go to the lifetime
 * model (followed by the Perfetto writer), to the checker and to the text
 * and JSON printers; the summary line sets the checker's hooks and the lost
 * events; malformed lines are counted as skipped. Then the checker settles
 * and hands over its violations, the model's leak suspects are printed as
 * text and as JSON, and the timeline is closed. Output goes to /dev/null,
 * but for two checks that abort on failure: every record and summary read
 * is written back and must read back the same (the writer and the reader
 * agree), and the timeline must be JSON.
 *
 * Build (what 'make fuzzers' does for every tests/fuzz/fuzz_*.c):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
 *     -D_GNU_SOURCE -IBUILD/bpf -Ibpf -Iuserspace/LAYER (each) -Ikmod
 *     tests/fuzz/fuzz_record.c (userspace/LAYER's .c files) -ldw -lbpf -lelf -lz
 * Seeds: tests/fuzz/corpus/record/ (cut from tests/unit/data).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker.h"
#include "event.h"
#include "json.h"
#include "lifetime.h"
#include "model.h"
#include "perfetto.h"

/* small, so that the bound on tracked entries is reached too */
#define FUZZ_MAX_ENTRIES 256

static FILE *devnull;
/* the timeline, read back */
static int timeline_fd = -1;
static char timeline_path[64];

/* what the writer makes of a record, or of a summary when rec is NULL */
static char *written(const struct pt_record *rec, const struct pt_summary *sum)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		abort();
	if (rec)
		pt_print_json(m, rec);
	else
		pt_print_summary_json(m, sum);
	fclose(m);
	return buf;
}

/* written, read, written again: the same line */
static void round_trip(const struct pt_record *rec, const struct pt_summary *sum)
{
	struct pt_summary again_sum = { 0 };
	struct pt_record again;
	char *a = written(rec, sum), *b;
	char why[128];

	if (pt_record_parse_json_why(a, &again, &again_sum, why, sizeof(why)) != (rec ? 0 : 1)) {
		fprintf(stderr, "written, not read back (%s): %s", why, a);
		abort();
	}
	b = written(rec ? &again : NULL, &again_sum);
	if (strcmp(a, b)) {
		fprintf(stderr, "read back differently:\n%s%s", a, b);
		abort();
	}
	if (rec)
		pt_record_free(&again);
	pt_summary_free(&again_sum);
	free(a);
	free(b);
}

/* the timeline just closed is one JSON value */
static void timeline_is_json(void)
{
	struct json_in in = { 0 };
	struct stat st;
	char *text;

	if (fstat(timeline_fd, &st))
		abort();
	text = malloc(st.st_size + 1);
	if (!text || pread(timeline_fd, text, st.st_size, 0) != st.st_size)
		abort();
	text[st.st_size] = '\0';
	in.p = text;
	if (json_skip_value(&in) || !json_at_end(&in)) {
		fprintf(stderr, "timeline not JSON (%s) at byte %ld\n", in.err ?: "?",
			(long)(in.p - text));
		abort();
	}
	free(text);
	if (ftruncate(timeline_fd, 0))
		abort();
}

static bool hook_active(const char *how)
{
	return strcmp(how, "missing") && strcmp(how, "failed");
}

/* the leak report as 'primetrace leaks' prints it, text then JSON */
static void report(FILE *f, struct pm_model *m, const struct pm_suspect *s, int n)
{
	struct pm_stats st;
	char buf[512], sz[24];
	struct jw w;

	pm_model_stats(m, &st);
	fprintf(f, "%d suspects, %llu events, %llu lost\n", n, (unsigned long long)st.events,
		(unsigned long long)st.drops);
	for (int i = 0; i < n; i++) {
		fprintf(f, "[%d] %s: %s\n    culprit: pid %u (%s)%s\n", i + 1,
			pm_leak_kind_name(s[i].kind), s[i].reason, s[i].pid,
			s[i].comm[0] ? s[i].comm : "?", s[i].pid_exited ? ", exited" : "");
		fprintf(f, "    %s, %s, count %llu (%s)\n    evidence: %s\n",
			pt_size_text(sz, sizeof(sz), s[i].size), s[i].driver,
			(unsigned long long)s[i].count, pt_size_text(buf, sizeof(buf), s[i].bytes),
			s[i].evidence);
		if (s[i].kstack)
			pt_print_stack(f, s[i].kstack->s, "        ", 16);
		if (s[i].ustack)
			pt_print_stack(f, s[i].ustack->s, "        ", 0);
	}
	fprintf(f, "incomplete: %s\n", pm_model_incomplete_text(m, buf, sizeof(buf)));

	jw_init(&w, f);
	jw_object_begin(&w);
	jw_name(&w, "suspects");
	jw_array_begin(&w);
	for (int i = 0; i < n; i++) {
		jw_object_begin(&w);
		jw_field_string(&w, "kind", pm_leak_kind_name(s[i].kind));
		jw_field_string(&w, "reason", s[i].reason);
		jw_field_string(&w, "comm", s[i].comm);
		jw_field_string(&w, "driver", s[i].driver);
		jw_field_string(&w, "evidence", s[i].evidence);
		jw_name(&w, "kstack");
		pt_print_stack_json(&w, s[i].kstack ? s[i].kstack->s : NULL);
		jw_name(&w, "ustack");
		pt_print_stack_json(&w, s[i].ustack ? s[i].ustack->s : NULL);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_field_string(&w, "incomplete", pm_model_incomplete_text(m, buf, sizeof(buf)));
	jw_object_end(&w);
	jw_newline(&w);
}

/* what 'objects' lists: every buffer with its exporter, holders and age */
static void objects(FILE *f, struct pm_model *m)
{
	const struct pm_buf **bufs = NULL;
	char exp[64], sz[24], age[24];
	size_t n = pm_model_bufs(m, &bufs);

	for (size_t i = 0; i < n; i++)
		fprintf(f, "%llu %s %s %s fds=%u maps=%u att=%u\n",
			(unsigned long long)bufs[i]->ino,
			pt_exporter_text(exp, sizeof(exp), bufs[i]),
			pt_size_text(sz, sizeof(sz), bufs[i]->size),
			pt_age_text(age, sizeof(age), pm_model_now(m) - bufs[i]->t_seen),
			pm_buf_fds(bufs[i]), pm_buf_maps(bufs[i]), pm_buf_attachments(bufs[i]));
	free(bufs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line, *next;
	struct pt_summary sum = { 0 };
	struct pc_violation *v = NULL;
	struct pm_leak_opts lo = { 0 };
	struct pm_suspect *s = NULL;
	struct pt_perfetto *pf;
	struct pc_checker *c;
	struct pm_model *m;
	unsigned long skipped = 0;
	char why[128], inc_text[300];
	unsigned int inc;
	__u64 t_last = 0;
	int n;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		timeline_fd = memfd_create("timeline", 0);
		snprintf(timeline_path, sizeof(timeline_path), "/proc/self/fd/%d", timeline_fd);
	}
	if (!text || !devnull || timeline_fd < 0)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	m = pm_model_new(FUZZ_MAX_ENTRIES);
	c = pc_checker_new();
	pf = pt_perfetto_open(timeline_path);
	if (!m || !c || !pf)
		abort();
	pt_perfetto_follow(pf, m);

	/* as a recording is read: each line, a summary, or a line that is wrong */
	for (line = text; line; line = next) {
		struct pt_record rec;
		int r;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[strspn(line, " \t\r")] == '\0')
			continue;
		r = pt_record_parse_json_why(line, &rec, &sum, why, sizeof(why));
		if (r < 0) {
			if (!why[0] || strchr(why, '\n'))
				abort(); /* a reason is one line */
			skipped++;
			continue;
		}
		if (r == 1) {
			round_trip(NULL, &sum);
			continue;
		}
		round_trip(&rec, NULL);
		pm_model_feed(m, &rec);
		pc_checker_feed(c, &rec);
		pt_print_text(devnull, &rec, 0);
		pt_print_json(devnull, &rec);
		if (rec.ev.ts > t_last)
			t_last = rec.ev.ts;
		pt_record_free(&rec);
	}
	if (sum.have) {
		for (__u32 id = 1; id < PT_HOOK_MAX; id++)
			pc_checker_set_hook(c, id, hook_active(sum.how[id]));
		pm_model_note_drops(m, pt_summary_drops(&sum));
		pc_checker_note_drops(c, pt_summary_drops(&sum));
		pc_checker_note_missed(c, sum.missed);
		pt_print_summary_text(devnull, &sum);
		pt_print_summary_json(devnull, &sum);
	}
	pm_model_note_skipped(m, skipped);
	pc_checker_note_skipped(c, skipped);

	/* the checker's verdict */
	pc_checker_settle(c, ~0ULL);
	for (size_t i = 0, nv = pc_checker_take(c, &v, &inc, inc_text, sizeof(inc_text)); i < nv;
	     i++)
		fprintf(devnull, "%s %s: %s\n", pc_rule_invariant(v[i].rule),
			pc_rule_name(v[i].rule), v[i].text);
	free(v);

	/* the leak report and the object list */
	n = pm_model_leaks(m, &lo, &s);
	if (n >= 0) {
		report(devnull, m, s, n);
		pm_suspects_free(m, s, n);
	}
	objects(devnull, m);

	/* the timeline, closed at the last event */
	if (pt_perfetto_close(pf, m, t_last))
		abort(); /* memory takes everything */
	timeline_is_json();
	pm_model_free(m);
	pc_checker_free(c);
	pt_summary_free(&sum);
	free(text);
	return 0;
}
