// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live checker's rules (userspace/model/checker.c) on real runs: each
 * tests/unit/data/check-NAME.json is 'primetrace record' in the VM while
 * one conformance subtest ran on vprime;vprime:1 under one vprime fault
 * (or none), cut where the subtest ended, and check-NAME.truth is vprime's
 * debugfs at that moment (what 'primetrace check' reads at a subtest's
 * end). Each rule must fire on the fault that breaks it, and the clean
 * runs must stay quiet with their ground truth agreeing.
 *
 * No vprime fault breaks release-ref, free-ref or stale-entry (the core
 * keeps those rules, or breaking them WARNs): they are shown firing on a
 * clean recording with the one record edited that the broken kernel would
 * have reported differently.
 */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "checker.h"
#include "event.h"

/* what one run of the checker gave */
struct run {
	int ok; /* the files were there and parsed */
	size_t nv;
	struct pc_violation *v;
	unsigned int fired[PC_RULE_MAX];
	unsigned int inc;
	char inc_text[300];
	struct pc_stats st;
	__u64 truth_before_empty;
};

/* an edit of the recording: return false to drop the record */
typedef bool (*edit_fn)(struct pt_record *rec, int *state);

struct options {
	const char *truth; /* NULL: no ground truth */
	edit_fn edit;
	__u32 hook_off;	       /* a hook to declare not attached, or 0 */
	__u64 drops;	       /* events to declare lost */
	unsigned long skipped; /* malformed lines to declare skipped */
	long objects_delta;    /* added to every 'objects N' line of the truth */
	int empty_after;       /* then this many comparisons with both devices empty */
};

/* vprime.0 and .1 with nothing on them, as the recordings' truth numbers them */
static void feed_empty(struct pc_checker *c)
{
	pc_truth_begin(c, 0, 2);
	pc_truth_objects_line(c, "objects 0\n");
	pc_truth_end(c);
	pc_truth_begin(c, 1, 3);
	pc_truth_objects_line(c, "objects 0\n");
	pc_truth_end(c);
}

static void feed_truth(struct pc_checker *c, FILE *f, const struct options *o)
{
	char *line = NULL;
	size_t cap = 0;
	int inst, minor, section = 0;
	bool open = false;

	while (getline(&line, &cap, f) > 0) {
		long n;

		if (sscanf(line, "instance %d minor %d", &inst, &minor) == 2) {
			if (open)
				pc_truth_end(c);
			pc_truth_begin(c, inst, minor);
			open = true;
			section = 0;
		} else if (!strcmp(line, "objects:\n")) {
			section = 1;
		} else if (!strcmp(line, "files:\n")) {
			section = 2;
		} else if (section == 1 && sscanf(line, "objects %ld", &n) == 1) {
			char buf[32];

			snprintf(buf, sizeof(buf), "objects %ld\n", n + o->objects_delta);
			pc_truth_objects_line(c, buf);
		} else if (section == 1) {
			pc_truth_objects_line(c, line);
		} else if (section == 2) {
			pc_truth_files_line(c, line);
		}
	}
	if (open)
		pc_truth_end(c);
	free(line);
}

static void check(const char *name, const struct options *o, struct run *r)
{
	char file[128];
	struct pt_record *recs = NULL;
	struct pt_summary sum = { 0 };
	size_t n = 0;
	char *line = NULL;
	size_t cap = 0;
	struct pc_checker *c;
	int state = 0;
	FILE *f;

	memset(r, 0, sizeof(*r));
	snprintf(file, sizeof(file), "check-%s.json", name);
	f = unit_open_data(file);
	c = pc_checker_new();
	if (!f || !c) {
		if (f)
			fclose(f);
		pc_checker_free(c);
		return;
	}
	/* all records first: the summary, last, says which hooks were attached */
	while (getline(&line, &cap, f) > 0) {
		struct pt_record rec;
		int ret = pt_record_parse_json(line, &rec, &sum);

		if (ret < 0) {
			r->ok = -1;
			break;
		}
		if (ret == 1)
			continue;
		recs = realloc(recs, (n + 1) * sizeof(*recs));
		recs[n++] = rec;
	}
	free(line);
	fclose(f);
	if (r->ok < 0 || !sum.have)
		goto out;
	for (__u32 h = 1; h < PT_HOOK_MAX; h++)
		pc_checker_set_hook(c, h,
				    strcmp(sum.how[h], "missing") && strcmp(sum.how[h], "failed"));
	if (o->hook_off)
		pc_checker_set_hook(c, o->hook_off, false);
	/* what the recording lost, and what the test says was lost */
	pc_checker_note_drops(c, pt_summary_drops(&sum) + o->drops);
	pc_checker_note_skipped(c, o->skipped);
	for (size_t i = 0; i < n; i++)
		if (!o->edit || o->edit(&recs[i], &state))
			pc_checker_feed(c, &recs[i]);
	pc_checker_settle(c, ~0ULL);
	if (o->truth) {
		snprintf(file, sizeof(file), "check-%s.truth", o->truth);
		f = unit_open_data(file);
		if (!f)
			goto out;
		feed_truth(c, f, o);
		fclose(f);
	}
	for (int i = 0; i < o->empty_after; i++) {
		struct pc_stats st;

		/* the first one forgets what a wrong picture still holds */
		pc_checker_stats(c, &st);
		r->truth_before_empty = i ? r->truth_before_empty : st.truth_checks;
		feed_empty(c);
	}
	r->nv = pc_checker_take(c, &r->v, &r->inc, r->inc_text, sizeof(r->inc_text));
	for (size_t i = 0; i < r->nv; i++)
		r->fired[r->v[i].rule]++;
	pc_checker_stats(c, &r->st);
	r->ok = 1;
out:
	for (size_t i = 0; i < n; i++)
		pt_record_free(&recs[i]);
	free(recs);
	pt_summary_free(&sum);
	pc_checker_free(c);
}

static void done(struct run *r)
{
	free(r->v);
	r->v = NULL;
}

/* exactly these rules fired (a list of enum pc_rule, ended by -1) */
static bool fired_exactly(const struct run *r, const int *rules)
{
	unsigned int want[PC_RULE_MAX] = { 0 };

	for (; *rules >= 0; rules++)
		want[*rules] = 1;
	for (int i = 0; i < PC_RULE_MAX; i++)
		if (!!r->fired[i] != want[i])
			return false;
	return true;
}

static bool text_has(const struct run *r, enum pc_rule rule, const char *needle)
{
	for (size_t i = 0; i < r->nv; i++)
		if (r->v[i].rule == rule && strstr(r->v[i].text, needle))
			return true;
	return false;
}

/* --- clean runs ----------------------------------------------------------- */

UNIT_TEST(clean_runs_are_quiet)
{
	static const char *const clean[] = { "clean-cross-teardown", "clean-self-import-gem-ref",
					     "clean-cross-teardown-7.3" };
	struct run r;

	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		struct options o = { .truth = clean[i] };

		check(clean[i], &o, &r);
		EXPECT_EQ(r.ok, 1);
		EXPECT_EQ(r.nv, 0);
		EXPECT_EQ(r.inc, 0);
		/* both vprime instances compared, and agreeing */
		EXPECT_EQ(r.st.truth_checks, 2);
		done(&r);
	}
}

UNIT_TEST(a_race_is_quiet)
{
	struct options o = { 0 };
	struct run r;

	/*
	 * Two threads creating, exporting and closing handle 1 (a window of a
	 * recording with kprobes and nothing lost): ioctl returns that find
	 * the handle closed or another object behind it, references dropped
	 * by the other thread's calls without an event.
	 */
	check("clean-export-race", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(r.st.events > 200);
	EXPECT_EQ(r.inc, 0);
	EXPECT_EQ(r.nv, 0);
	done(&r);
}

/* --- each fault, its rules --------------------------------------------------- */

UNIT_TEST(export_extra_ref)
{
	static const int want[] = { PC_EXPORT_REF, PC_TRUTH_REFS, -1 };
	struct options o = { .truth = "extra-ref" };
	struct run r;

	check("extra-ref", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	EXPECT(text_has(&r, PC_EXPORT_REF, "took 1 reference besides the dma-buf's"));
	EXPECT(text_has(&r, PC_TRUTH_REFS, "without a holder"));
	done(&r);

	/* the same on 7.3, where handle-to-fd goes through drm_gem_prime_handle_to_dmabuf() */
	o.truth = "extra-ref-7.3";
	check("extra-ref-7.3", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	done(&r);
}

UNIT_TEST(import_skip_prime_destroy)
{
	static const int want[] = { PC_IMPORT_TEARDOWN, -1 };
	struct options o = { .truth = "skip-destroy" };
	struct run r;

	check("skip-destroy", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	EXPECT(text_has(&r, PC_IMPORT_TEARDOWN, "its attachment still attached"));
	done(&r);
}

UNIT_TEST(unpin_noop)
{
	static const int want[] = { PC_TRUTH_PINS, -1 };
	struct options o = { .truth = "unpin" };
	struct run r;

	check("unpin", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	EXPECT(text_has(&r, PC_TRUTH_PINS, "1 pin but 0 attachments"));
	done(&r);

	/* the events alone cannot tell: unpin is the driver's */
	o.truth = NULL;
	check("unpin", &o, &r);
	EXPECT_EQ(r.nv, 0);
	done(&r);
}

UNIT_TEST(import_bypass_cache)
{
	static const int want[] = { PC_IMPORT_CACHE, -1 };
	struct options o = { .truth = "import-bypass" };
	struct run r;

	check("import-bypass", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	done(&r);
}

UNIT_TEST(export_bypass_cache)
{
	static const int want[] = { PC_EXPORT_CACHE, -1 };
	struct options o = { .truth = "export-bypass" };
	struct run r;

	check("export-bypass", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	done(&r);
}

UNIT_TEST(no_self_import)
{
	static const int want[] = { PC_SELF_IMPORT, -1 };
	struct options o = { .truth = "no-self-import" };
	struct run r;

	check("no-self-import", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	/* once per handle made, not again on each cache hit */
	EXPECT_EQ(r.fired[PC_SELF_IMPORT], 1);
	done(&r);
}

UNIT_TEST(export_new_dmabuf)
{
	static const int want[] = { PC_ONE_DMABUF, PC_EXPORT_CACHE, -1 };
	static const int want_re[] = { PC_REEXPORT, PC_EXPORT_CACHE, -1 };
	struct options o = { .truth = "new-dmabuf" };
	struct run r;

	check("new-dmabuf", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	EXPECT(text_has(&r, PC_ONE_DMABUF, "exported as a new dma-buf"));
	done(&r);

	/* an import exported as a dma-buf of its own */
	o.truth = "new-dmabuf-reexport";
	check("new-dmabuf-reexport", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want_re));
	done(&r);
}

/* --- the rules no fault breaks, on edited clean runs --------------------------- */

/* drm_gem_dmabuf_release() finding the dma-buf's reference already gone */
static bool release_unreferenced(struct pt_record *rec, int *state)
{
	if (rec->ev.type == PT_EV_GEM_DMABUF_RELEASE && !*state) {
		rec->ev.kref = 0;
		*state = 1;
	}
	return true;
}

UNIT_TEST(release_ref)
{
	static const int want[] = { PC_RELEASE_REF, -1 };
	struct options o = { .edit = release_unreferenced };
	struct run r;

	check("clean-cross-teardown", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	done(&r);
}

/* an object freed while something still references it */
static bool free_referenced(struct pt_record *rec, int *state)
{
	if (rec->ev.type == PT_EV_GEM_FREE && !*state) {
		rec->ev.kref = 1;
		*state = 1;
	}
	return true;
}

UNIT_TEST(free_ref)
{
	static const int want[] = { PC_FREE_REF, -1 };
	struct options o = { .edit = free_referenced };
	struct run r;

	check("clean-cross-teardown", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	done(&r);
}

/* a handle closed without drm_prime_remove_buf_handle() */
static bool no_cache_removal(struct pt_record *rec, int *state)
{
	return !(rec->ev.type == PT_EV_PRIME_CACHE_REMOVE && rec->ev.dmabuf && !(*state)++);
}

UNIT_TEST(stale_entry)
{
	static const int want[] = { PC_STALE_ENTRY, -1 };
	struct options o = { .edit = no_cache_removal };
	struct run r;

	check("clean-cross-teardown", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(fired_exactly(&r, want));
	EXPECT(text_has(&r, PC_STALE_ENTRY, "was closed, but the file's PRIME cache"));
	done(&r);
}

/* --- verdicts that cannot be trusted -------------------------------------------- */

UNIT_TEST(lost_events_make_it_incomplete)
{
	struct options o = { .truth = "clean-cross-teardown", .drops = 3 };
	struct run r;

	check("clean-cross-teardown", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(r.inc & PC_INC_DROPS);
	EXPECT(strstr(r.inc_text, "3 events lost") != NULL);
	/* and no comparison with a picture known to be wrong */
	EXPECT_EQ(r.st.truth_checks, 0);
	done(&r);
}

UNIT_TEST(skipped_lines_make_it_incomplete)
{
	struct options o = { .truth = "clean-cross-teardown", .skipped = 2 };
	struct run r;

	check("clean-cross-teardown", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(r.inc & PC_INC_SKIPPED);
	EXPECT(!(r.inc & PC_INC_DROPS));
	EXPECT(strstr(r.inc_text, "2 malformed input lines skipped") != NULL);
	EXPECT_EQ(r.st.skipped, 2);
	/* a skipped line may have been any event: no comparison either */
	EXPECT_EQ(r.st.truth_checks, 0);
	done(&r);

	o.skipped = 0;
	check("clean-cross-teardown", &o, &r);
	EXPECT(!(r.inc & PC_INC_SKIPPED));
	EXPECT(r.st.truth_checks > 0);
	done(&r);
}

/* a device with files but no PRIME cache entry: qsort(NULL, 0) for UBSan */
UNIT_TEST(no_cache_entries_compare)
{
	struct pc_checker *c = pc_checker_new();
	struct pc_violation *v;
	struct pc_stats st;
	unsigned int inc;
	size_t n;

	pc_truth_begin(c, 0, 2);
	pc_truth_objects_line(c, "objects 0\n");
	pc_truth_files_line(c, "file pid=1 comm=x handles=0 prime=0 client=1\n");
	pc_truth_end(c);
	n = pc_checker_take(c, &v, &inc, NULL, 0);
	pc_checker_stats(c, &st);
	EXPECT_EQ(n, 0);
	EXPECT_EQ(inc, 0);
	EXPECT_EQ(st.truth_checks, 1);
	free(v);
	pc_checker_free(c);
}

UNIT_TEST(a_disagreeing_view_is_incomplete)
{
	struct options o = { .truth = "unpin", .objects_delta = 1 };
	struct run r;

	/* debugfs lists an object the hooks never saw: no verdict on it */
	check("unpin", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(r.inc & PC_INC_VIEW);
	EXPECT_EQ(r.nv, 0);
	done(&r);
}

UNIT_TEST(an_empty_device_is_compared_again)
{
	struct options o = { .truth = "unpin", .objects_delta = 1, .empty_after = 2 };
	struct run r;

	/*
	 * A disagreement stops the comparisons of the device until it is
	 * empty; what the hooks' picture still holds of it then is forgotten,
	 * and the next comparison agrees again.
	 */
	check("unpin", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT(r.inc & PC_INC_VIEW);
	EXPECT_EQ(r.truth_before_empty, 0); /* both devices disagreed */
	EXPECT_EQ(r.st.truth_checks, 2);    /* the second empty round compares both */
	EXPECT_EQ(r.nv, 0);
	done(&r);

	/* the same after lost events */
	o = (struct options){ .truth = "unpin", .drops = 1, .empty_after = 2 };
	check("unpin", &o, &r);
	EXPECT(r.inc & PC_INC_DROPS);
	EXPECT_EQ(r.truth_before_empty, 0);
	/* vprime.1 was empty already at the end of the subtest: compared from round 1 */
	EXPECT_EQ(r.st.truth_checks, 3);
	done(&r);
}

UNIT_TEST(a_rule_without_its_hooks_is_off)
{
	struct options o = { .truth = "import-bypass", .hook_off = PT_HOOK_PRIME_ADD_BUF_HANDLE };
	struct pc_checker *c = pc_checker_new();
	char why[96];
	struct run r;

	check("import-bypass", &o, &r);
	EXPECT_EQ(r.ok, 1);
	EXPECT_EQ(r.fired[PC_IMPORT_CACHE], 0);
	done(&r);

	pc_checker_set_hook(c, PT_HOOK_PRIME_ADD_BUF_HANDLE, false);
	EXPECT(!pc_checker_rule_on(c, PC_IMPORT_CACHE, why, sizeof(why)));
	EXPECT(strstr(why, "drm_prime_add_buf_handle") != NULL);
	EXPECT(pc_checker_rule_on(c, PC_SELF_IMPORT, why, sizeof(why)));
	pc_checker_free(c);
}

UNIT_TEST(rule_names)
{
	for (int i = 0; i < PC_RULE_MAX; i++) {
		EXPECT_EQ(pc_rule_by_name(pc_rule_name(i)), i);
		EXPECT(pc_rule_invariant(i)[0] != '?');
	}
	EXPECT_EQ(pc_rule_by_name("no-such-rule"), -1);
	EXPECT_STR(pc_rule_invariant(PC_SELF_IMPORT), "S1");
}

int main(void)
{
	UNIT_RUN(clean_runs_are_quiet);
	UNIT_RUN(a_race_is_quiet);
	UNIT_RUN(export_extra_ref);
	UNIT_RUN(import_skip_prime_destroy);
	UNIT_RUN(unpin_noop);
	UNIT_RUN(import_bypass_cache);
	UNIT_RUN(export_bypass_cache);
	UNIT_RUN(no_self_import);
	UNIT_RUN(export_new_dmabuf);
	UNIT_RUN(release_ref);
	UNIT_RUN(free_ref);
	UNIT_RUN(stale_entry);
	UNIT_RUN(lost_events_make_it_incomplete);
	UNIT_RUN(skipped_lines_make_it_incomplete);
	UNIT_RUN(no_cache_entries_compare);
	UNIT_RUN(a_disagreeing_view_is_incomplete);
	UNIT_RUN(an_empty_device_is_compared_again);
	UNIT_RUN(a_rule_without_its_hooks_is_off);
	UNIT_RUN(rule_names);
	UNIT_EXIT();
}
