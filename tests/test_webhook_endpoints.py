"""Registering webhook endpoints: only public http(s) receivers, unless an operator allows an internal one."""
from __future__ import annotations

import pytest
from django.test import Client

from claims.fetching import FetchError
from claims.models import ApiClient, WebhookEndpoint
from claims.services.webhooks import webhook_url_check

pytestmark = pytest.mark.django_db

ADD = "/admin/claims/webhookendpoint/add/"


@pytest.fixture
def admin_page(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    return client


@pytest.fixture
def cms_client(django_user_model):
    return ApiClient.objects.create(user=django_user_model.objects.create_user("cms"), name="CMS")


def _register(admin_page, cms_client, url):
    return admin_page.post(ADD, {"client": cms_client.pk, "url": url, "is_active": "on"})


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:8080/hooks", "loopback"),
        ("http://10.1.2.3/hooks", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://localhost:9000/hooks", "internal name"),
        ("http://cms.internal/hooks", "internal name"),
        ("ftp://93.184.215.14/hooks", "Only http and https"),
        ("https://user:pw@93.184.215.14/hooks", "credentials"),
    ],
)
def test_the_admin_refuses_an_internal_or_non_http_endpoint_with_the_reason_on_the_url_field(admin_page, cms_client, url, reason):
    response = _register(admin_page, cms_client, url)

    assert response.status_code == 200  # the form again, not a redirect
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["url"]
    assert reason in errors["url"][0] and "FACTDESK_WEBHOOK_ALLOW_HOSTS" in errors["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_the_admin_registers_a_public_endpoint_on_any_port_and_generates_its_secret(admin_page, cms_client):
    response = _register(admin_page, cms_client, "https://93.184.215.14:8443/hooks/factdesk")

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.url == "https://93.184.215.14:8443/hooks/factdesk" and endpoint.secret.startswith("whsec_")


def test_an_internal_receiver_listed_in_the_allow_setting_can_be_registered(admin_page, cms_client, settings):
    settings.FACTDESK_WEBHOOK_ALLOW_HOSTS = ["10.1.2.3:8080"]

    assert _register(admin_page, cms_client, "http://10.1.2.3:8080/hooks").status_code == 302
    # Only that host and port: the same host on another port is still refused.
    assert _register(admin_page, cms_client, "http://10.1.2.3:8081/hooks").status_code == 200
    assert list(WebhookEndpoint.objects.values_list("url", flat=True)) == ["http://10.1.2.3:8080/hooks"]


def test_a_name_is_refused_if_any_of_its_addresses_is_internal():
    with pytest.raises(FetchError) as refused:
        webhook_url_check("https://cms.example.org/hooks", resolve=lambda host, port: ["93.184.215.14", "192.168.0.7"])
    assert refused.value.code == "blocked_address" and "192.168.0.7" in str(refused.value)
    webhook_url_check("https://cms.example.org/hooks", resolve=lambda host, port: ["93.184.215.14"])
