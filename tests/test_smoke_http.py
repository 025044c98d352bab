from tests.slack_http import AppServer


def test_add_then_status_over_signed_http(server: AppServer, slack) -> None:
    res = server.slash('add "Acme Corp" as late-payer')
    assert res.status == 200
    assert res.json()["response_type"] == "ephemeral"
    assert "Added *Acme Corp*" in res.text
    res = server.slash("status acme corp")
    assert "late payer" in res.text
    assert slack.calls_to("auth.test"), "start-up token check goes to SLACK_API_URL"
