# Scheduled jobs through pg_cron on a cluster with password authentication (scram-sha-256 for
# every local and host connection): sv.schedule_jobs() installs the platform's jobs, again
# without duplicates, under the jobs' login role; a job scheduled to run soon calls
# sv.job_security_check() in a pg_cron background worker, and its run is found both in
# cron.job_run_details and in sv.job_run; sv.unschedule_jobs() removes them.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = PostgreSQL::Test::Cluster->new('cron');
$node->init;
$node->append_conf('postgresql.conf', <<'EOF');
shared_preload_libraries = 'sv_platform,pg_cron'
cron.database_name = 'platform'
cron.use_background_workers = on
EOF
$node->start;
$node->safe_psql('postgres', "ALTER ROLE CURRENT_USER PASSWORD 'cron-test-superuser'; CREATE DATABASE platform");

# password authentication only, then every connection of this test gives the password
open my $hba, '>', $node->data_dir . '/pg_hba.conf' or die "pg_hba.conf: $!";
print $hba "local all all scram-sha-256\n", "host all all 127.0.0.1/32 scram-sha-256\n",
  "host all all ::1/128 scram-sha-256\n";
close $hba;
$node->reload;
{
	local $ENV{PGPASSWORD} = 'wrong';
	my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1');
	ok($ret != 0 && $err =~ /password authentication failed/, 'a wrong password is refused')
	  or diag("ret $ret: $err");
}
$ENV{PGPASSWORD} = 'cron-test-superuser';
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the password is accepted');

# install.md: pg_cron in cron.database_name, the platform, a login for the jobs in sv_admin
$node->safe_psql('platform', <<'EOF');
SET client_min_messages = warning;
CREATE EXTENSION pg_cron;
CREATE EXTENSION sv_platform CASCADE;
CREATE ROLE platform_jobs LOGIN PASSWORD 'cron-test-jobs' IN ROLE sv_admin;
SELECT sv.staff_add('platform_jobs', 1, '410400');
EOF
my $cron_version = $node->safe_psql('platform', "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'");
note("pg_cron $cron_version");

my $jobs = $node->safe_psql('platform', "SELECT job, schedule, command, cron_job IS NOT NULL FROM sv.schedule_jobs('platform_jobs')");
is($jobs, join("\n",
		'sv-bulletin-monthly|0 0 2 * *|CALL sv.job_bulletin_monthly()|t',
		'sv-bulletin-weekly|0 0 * * 1|CALL sv.job_bulletin_weekly()|t',
		'sv-complaint-duplicate-sweep|* * * * *|CALL sv.job_complaint_duplicate_sweep()|t',
		'sv-complaint-supervise|45 23 * * *|CALL sv.job_complaint_supervise()|t',
		'sv-credit-rescore|0 18 1 * *|CALL sv.job_credit_rescore()|t',
		'sv-deadline-sweep|30 23 * * *|CALL sv.job_deadline_sweep()|t',
		'sv-joint-notice-sweep|0 23 * * *|CALL sv.job_joint_notice_sweep()|t',
		'sv-kpi-refresh|0 17 * * *|CALL sv.job_kpi_refresh()|t',
		'sv-outbox-cleanup|15 19 * * *|CALL sv.job_outbox_cleanup()|t',
		'sv-risk-scan|30 18 * * *|CALL sv.job_risk_scan()|t',
		'sv-risk-scan-full|30 17 * * 6|CALL sv.job_risk_scan_full()|t',
		'sv-security-check|0 22 * * *|CALL sv.job_security_check()|t'),
	'sv.schedule_jobs installs the twelve jobs');
$node->safe_psql('platform', "SELECT count(*) FROM sv.schedule_jobs('platform_jobs')");
is($node->safe_psql('platform',
		"SELECT string_agg(jobname || ' ' || username || ' ' || database, ', ' ORDER BY jobname) FROM cron.job"),
	'sv-bulletin-monthly platform_jobs platform, sv-bulletin-weekly platform_jobs platform, '
	  . 'sv-complaint-duplicate-sweep platform_jobs platform, sv-complaint-supervise platform_jobs platform, '
	  . 'sv-credit-rescore platform_jobs platform, sv-deadline-sweep platform_jobs platform, '
	  . 'sv-joint-notice-sweep platform_jobs platform, sv-kpi-refresh platform_jobs platform, '
	  . 'sv-outbox-cleanup platform_jobs platform, sv-risk-scan platform_jobs platform, '
	  . 'sv-risk-scan-full platform_jobs platform, sv-security-check platform_jobs platform',
	'scheduling again replaces the jobs: one of each, run as platform_jobs in the platform database');
is($node->safe_psql('platform',
		"SELECT count(*) FROM sv.audit_log WHERE object_kind = 'job' AND action = 'schedule'"),
	'2', 'each scheduling is audited');

# a job that runs soon: every 5 seconds from pg_cron 1.5, else every minute
my $schedule = $node->safe_psql('platform',
	"SELECT CASE WHEN string_to_array(split_part('$cron_version', '-', 1), '.')::int[] >= '{1,5}' "
	  . "THEN '5 seconds' ELSE '* * * * *' END");
my $jobid = $node->safe_psql('platform',
	"SELECT cron.schedule_in_database('sv-test-security-check', '$schedule', 'CALL sv.job_security_check()', "
	  . "'platform', 'platform_jobs')");
ok($jobid > 0, "a security check scheduled '$schedule' as job $jobid");

my $deadline = time + 150;
my $status = '';
while (time < $deadline)
{
	$status = $node->safe_psql('platform',
		"SELECT status FROM cron.job_run_details WHERE jobid = $jobid AND status IN ('succeeded', 'failed') "
		  . "ORDER BY runid LIMIT 1");
	last if $status ne '';
	sleep 0.5;
}
is($status, 'succeeded', 'pg_cron ran the job and recorded it as succeeded')
  or diag($node->safe_psql('platform', "SELECT * FROM cron.job_run_details WHERE jobid = $jobid"));
is($node->safe_psql('platform',
		"SELECT job || ' ' || outcome || ' ' || run_by || ' ' || rows_done || '/' || rows_total || ' '"
		  . " || (SELECT count(*) FROM jsonb_array_elements(result -> 'items') f"
		  . "     WHERE f ->> 'finding' <> 'calendar_next_year_missing')"
		  . " FROM sv.job_run ORDER BY id LIMIT 1"),
	'security_check succeeded platform_jobs 1/1 0',
	'the run is in sv.job_run: succeeded, run by the jobs role, no finding (but the date-dependent calendar warning)');
# the two queries of install.md for reading the runs
like($node->safe_psql('platform', <<'EOF'),
SELECT id, job, outcome, started_at, duration, rows_done, rows_total, percent_done, error
FROM sv_work.job_run ORDER BY id DESC LIMIT 10;
EOF
	qr/^\d+\|security_check\|succeeded\|[^|]+\|[^|]+\|1\|1\|100\.0\|$/m, 'install.md: the runs in sv_work.job_run');
like($node->safe_psql('platform', <<'EOF'),
SELECT j.jobname, d.status, d.return_message, d.start_time
FROM cron.job_run_details d JOIN cron.job j USING (jobid)
WHERE j.jobname LIKE 'sv-%' ORDER BY d.start_time DESC LIMIT 10;
EOF
	qr/^sv-test-security-check\|succeeded\|CALL\|/m, 'install.md: the runs in cron.job_run_details');
$node->safe_psql('platform', "SELECT cron.unschedule($jobid)");

is($node->safe_psql('platform', 'SELECT string_agg(job, \', \' ORDER BY job) FROM sv.unschedule_jobs()'),
	'sv-bulletin-monthly, sv-bulletin-weekly, sv-complaint-duplicate-sweep, sv-complaint-supervise, sv-credit-rescore, sv-deadline-sweep, '
	  . 'sv-joint-notice-sweep, sv-kpi-refresh, sv-outbox-cleanup, '
	  . 'sv-risk-scan, sv-risk-scan-full, sv-security-check',
	'sv.unschedule_jobs removes the twelve jobs');
is($node->safe_psql('platform', 'SELECT count(*) FROM cron.job'), '0', 'no job is left in pg_cron');

# A long job cut short by a server crash: three subjects rescored one per batch, the second
# batch held up; meanwhile a second run is refused; after an immediate restart the next run
# marks the first interrupted and continues after its last committed batch.
$node->safe_psql('platform', <<'EOF');
SET client_min_messages = warning;
SELECT inserted FROM sv.ingest('TAP-AMR', 'subject', jsonb_build_array(
  jsonb_build_object('source_record_id', 'TAP-1', 'uscc', '91410402MA4TAP001' || sv.uscc_check_character('91410402MA4TAP001'),
                     'name', '任务测试企业一', 'region_code', '410402'),
  jsonb_build_object('source_record_id', 'TAP-2', 'uscc', '91410402MA4TAP002' || sv.uscc_check_character('91410402MA4TAP002'),
                     'name', '任务测试企业二', 'region_code', '410402'),
  jsonb_build_object('source_record_id', 'TAP-3', 'uscc', '91410402MA4TAP003' || sv.uscc_check_character('91410402MA4TAP003'),
                     'name', '任务测试企业三', 'region_code', '410402')));
SELECT sv.credit_model_save('TAP-V1', '{"failed_inspection": 4}', 365, '{"A": 95, "B": 85, "C": 70}', make_current => true);
SELECT sv.credit_event_record(s.uscc::text, 'failed_inspection', 1, 'city', '2026-05-27', 'TAP-' || s.source_record_id,
                              department_id => 4)
FROM sv.subject s WHERE s.source_system = 'TAP-AMR';
CREATE FUNCTION public.hold_second() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.uscc::text LIKE '91410402MA4TAP002%' THEN PERFORM pg_sleep(300); END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER hold_second BEFORE INSERT ON sv.credit_class_history FOR EACH ROW EXECUTE FUNCTION public.hold_second();
EOF
my ($bg_out, $bg_err) = ('', '');
my $bg = IPC::Run::start([ 'psql', '-X', '-d', $node->connstr('platform'), '-c', 'CALL sv.job_credit_rescore(1)' ],
	'>', \$bg_out, '2>', \$bg_err);
my $progress = '';
$deadline = time + 60;
while (time < $deadline)
{
	$progress = $node->safe_psql('platform',
		"SELECT outcome || ' ' || rows_done || '/' || rows_total FROM sv.job_run WHERE job = 'credit_rescore'");
	last if $progress eq 'running 1/3';
	sleep 0.2;
}
is($progress, 'running 1/3', 'the long run reports its first committed batch while it runs');
my ($ret, $out, $err) = $node->psql('platform', 'CALL sv.job_credit_rescore(1)');
like($err, qr/job credit_rescore is already running \(run \d+, started .* by \S+\)/, 'a second run is refused (55P03)');
$node->stop('immediate');
$bg->finish;
$node->start;
$node->safe_psql('platform', 'DROP TRIGGER hold_second ON sv.credit_class_history');
$node->safe_psql('platform', 'SET client_min_messages = warning; CALL sv.job_credit_rescore(1)');
is($node->safe_psql('platform',
		"SELECT string_agg(outcome || ' ' || rows_done || '/' || rows_total || ' ' || coalesce(resumed_from::text, '-'), ', ' ORDER BY id)"
		  . " FROM sv.job_run WHERE job = 'credit_rescore'"),
	join(', ', "interrupted 1/3 -", 'succeeded 3/3 ' . $node->safe_psql('platform',
			"SELECT min(id) FROM sv.job_run WHERE job = 'credit_rescore'")),
	'after the restart the run is interrupted and the next one continues after its committed batch');
is($node->safe_psql('platform',
		"SELECT string_agg(class, '' ORDER BY uscc) FROM sv.credit_class WHERE uscc::text LIKE '91410402MA4TAP%'"),
	'AAA', 'every subject is classified once');
is($node->safe_psql('platform',
		"SELECT count(*) FROM sv.audit_log WHERE object_kind = 'credit_class' AND action = 'rescore'"),
	'3', 'one audited batch per subject: the committed one is not done again');

$node->stop;
done_testing();
