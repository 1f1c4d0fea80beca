// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The command line without a kernel: decimal durations, the text escape
 * of kernel-supplied strings, each command's parse-only entry point, and
 * the recording reader's errors (a read error is not an end of file).
 */
#include <errno.h>
#include <stdlib.h>

#include "lifetime.h"
#include "options.h"
#include "unit.h"

UNIT_TEST(seconds_are_decimal)
{
	double d;

	EXPECT_EQ(pt_parse_seconds("10", &d), 0);
	EXPECT(d == 10);
	EXPECT_EQ(pt_parse_seconds("2.5", &d), 0);
	EXPECT(d == 2.5);
	EXPECT_EQ(pt_parse_seconds(".5", &d), 0);
	EXPECT_EQ(pt_parse_seconds("5.", &d), 0);
	EXPECT_EQ(pt_parse_seconds("0x10", &d), -EINVAL);
	EXPECT_EQ(pt_parse_seconds("1e3", &d), -EINVAL);
	EXPECT_EQ(pt_parse_seconds("inf", &d), -EINVAL);
	EXPECT_EQ(pt_parse_seconds("nan", &d), -EINVAL);
	EXPECT_EQ(pt_parse_seconds("-1", &d), -EINVAL);
	EXPECT_EQ(pt_parse_seconds(" 1", &d), -EINVAL);
	EXPECT_EQ(pt_parse_seconds("", &d), -EINVAL);
	EXPECT_EQ(pt_parse_seconds(".", &d), -EINVAL);
	EXPECT_EQ(pt_parse_seconds("1.2.3", &d), -EINVAL);
	EXPECT_EQ(pt_parse_seconds("99999999", &d), -EINVAL);
}

UNIT_TEST(text_is_escaped)
{
	char buf[64];

	EXPECT_STR(pt_text(buf, sizeof(buf), "Xorg"), "Xorg");
	EXPECT_STR(pt_text(buf, sizeof(buf), "\033[31mevil\n"), "\\x1b[31mevil\\x0a");
	EXPECT_STR(pt_text(buf, sizeof(buf), "a\\b\x7f\xc3\xa9"), "a\\\\b\\x7f\\xc3\\xa9");
	EXPECT_STR(pt_text(buf, sizeof(buf), NULL), "");
	/* cut to fit, never in the middle of an escape */
	EXPECT_STR(pt_text(buf, 6, "ab\001cd"), "ab");
	EXPECT_EQ(pt_escape(buf, 0, "x", 1), 0);
}

/* argv from a string of words; argv[0] is the command's name */
static int parse(const char *cmd, const char *args)
{
	const struct pt_command *c = pt_command_find(cmd);
	char *copy = strdup(args), *argv[32], name[64], *save = NULL;
	int argc = 1, r;

	snprintf(name, sizeof(name), "primetrace %s", cmd);
	argv[0] = name;
	for (char *w = strtok_r(copy, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	r = c ? c->parse(argc, argv) : -1;
	free(copy);
	return r;
}

UNIT_TEST(commands_parse_without_exiting)
{
	FILE *sink = fopen("/dev/null", "w");

	EXPECT(sink != NULL);
	pt_cli_out = pt_cli_err = sink;
	EXPECT(pt_command_find("nosuch") == NULL);
	for (unsigned int i = 0; i < pt_ncommands; i++) {
		EXPECT_EQ(parse(pt_commands[i].name, "-h"), PT_PARSED_HELP);
		EXPECT_EQ(parse(pt_commands[i].name, "--help"), PT_PARSED_HELP);
		EXPECT_EQ(parse(pt_commands[i].name, "--usage"), PT_PARSED_HELP);
		EXPECT_EQ(parse(pt_commands[i].name, "--nosuch"), PT_PARSED_USAGE);
	}
	EXPECT_EQ(parse("trace", "-j -D 2.5 -p 1"), PT_PARSED);
	EXPECT_EQ(parse("trace", "-D 0x10"), PT_PARSED_USAGE);
	EXPECT_EQ(parse("trace", "-c /etc/passwd"), PT_PARSED_USAGE);
	EXPECT_EQ(parse("trace", "--skip-bad-lines"), PT_PARSED_USAGE);
	EXPECT_EQ(parse("trace", "--input x --skip-bad-lines"), PT_PARSED);
	EXPECT_EQ(parse("objects", "-D 5 --input x"), PT_PARSED_USAGE);
	EXPECT_EQ(parse("objects", "-D 5"), PT_PARSED);
	EXPECT_EQ(parse("top", "--input x"), PT_PARSED_USAGE);
	EXPECT_EQ(parse("record", ""), PT_PARSED_USAGE);
	EXPECT_EQ(parse("record", "-o x --input y"), PT_PARSED_USAGE);
	EXPECT_EQ(parse("check", "--input x -- true"), PT_PARSED_USAGE);
	EXPECT_EQ(parse("check", "-- true -x"), PT_PARSED);
	/* parsing again starts from the defaults: no -o left from before */
	EXPECT_EQ(parse("record", "-o x"), PT_PARSED);
	EXPECT_EQ(parse("record", "-q"), PT_PARSED_USAGE);
	pt_cli_out = pt_cli_err = NULL;
	fclose(sink);
}

static int count(const struct pt_record *rec, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

UNIT_TEST(reader_errors_are_not_the_end)
{
	static const char text[] = "{\"ts\":1,\"type\":\"gem_free\"}\nnot json\n"
				   "{\"ts\":2,\"type\":\"gem_free\"}\n";
	char path[] = "/tmp/pt-unit-XXXXXX";
	unsigned long skipped = 0;
	int fd = mkstemp(path), n = 0;
	FILE *f;

	EXPECT(fd >= 0);
	EXPECT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	EXPECT(freopen("/dev/null", "w", stderr) != NULL);
	/* a malformed line stops the read; skipped, it is counted */
	f = pt_input_open(path, false);
	EXPECT(f != NULL);
	EXPECT_EQ(pt_input_read(f, path, false, NULL, count, &n, NULL), -EINVAL);
	EXPECT_EQ(n, 1);
	pt_input_close(f);
	n = 0;
	f = pt_input_open(path, false);
	EXPECT_EQ(pt_input_read(f, path, true, &skipped, count, &n, NULL), 0);
	EXPECT_EQ(n, 2);
	EXPECT_EQ(skipped, 1);
	pt_input_close(f);
	unlink(path);
	/* a directory is an error, not an empty recording */
	f = pt_input_open("/", false);
	EXPECT(f == NULL);
	EXPECT_EQ(errno, EISDIR);
	/* a stream that fails to read (write-only): the errno, not the end */
	f = fopen("/dev/null", "w");
	EXPECT_EQ(pt_input_read(f, "w", false, NULL, count, &n, NULL), -EBADF);
	fclose(f);
}

int main(void)
{
	UNIT_RUN(seconds_are_decimal);
	UNIT_RUN(text_is_escaped);
	UNIT_RUN(commands_parse_without_exiting);
	UNIT_RUN(reader_errors_are_not_the_end);
	UNIT_EXIT();
}
