"""Run-failure alerts: every failed run of the code location is posted to a webhook.

The `alerts` resource (`FailureWebhook`, pipelines/resources.py) names the URL (IBE_ALERT_WEBHOOK_URL);
without one the sensor only logs. The body is JSON with a `text` line, which Slack, Mattermost and
similar incoming webhooks display as is, and the fields a program would read: run id, job, partition,
the failed steps' error and a link to the run in the Dagster UI.
"""

from __future__ import annotations

from typing import Any

from dagster import DefaultSensorStatus, Definitions, RunFailureSensorContext, run_failure_sensor

from pipelines.resources import FailureWebhook


def _user_error(error: Any) -> str:
    """The user code's own exception (not Dagster's wrapper around it), on one line."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[-1]


def failure_payload(context: RunFailureSensorContext, link: str) -> dict[str, Any]:
    """What the webhook receives for one failed run."""
    run = context.dagster_run
    partition = run.tags.get("dagster/partition")
    steps = [
        {"step": event.step_key, "error": _user_error(event.step_failure_data.error)}
        for event in context.get_step_failure_events()
        if event.step_failure_data is not None and event.step_failure_data.error is not None
    ]
    where = f" (partition {partition})" if partition else ""
    first = f": {steps[0]['step']}: {steps[0]['error']}" if steps else ""
    return {
        "text": f"Dagster run of {run.job_name}{where} failed{first} {link}",
        "event": "dagster.run.failed",
        "run_id": run.run_id,
        "job": run.job_name,
        "partition": partition,
        "failed_steps": steps,
        "message": context.failure_event.message,
        "run_url": link,
    }


@run_failure_sensor(
    name="run_failure_webhook",
    default_status=DefaultSensorStatus.STOPPED,
    minimum_interval_seconds=30,
    description="Posts every failed run to the alert webhook (IBE_ALERT_WEBHOOK_URL).",
)
def run_failure_webhook(context: RunFailureSensorContext, alerts: FailureWebhook) -> None:
    """Posts the failed run to the webhook (raises on an unreachable webhook, so the tick shows it)."""
    if alerts.target() is None:
        context.log.warning(f"run {context.dagster_run.run_id} failed; no alert webhook is configured")
        return
    payload = failure_payload(context, alerts.run_link(context.dagster_run.run_id))
    status = alerts.post(payload)
    context.log.info(f"run {context.dagster_run.run_id} failure posted (HTTP {status})")


def definitions() -> Definitions:
    return Definitions(sensors=[run_failure_webhook])
