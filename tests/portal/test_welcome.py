def test_welcome_page_shows_landing_message_and_enabled_tiles(riverton, client_for):
    settings = riverton.tenant.portal_settings
    settings.landing_message = "Water main work on Elm St this week."
    settings.save()
    body = client_for(riverton.resident, riverton.tenant).get("/").content.decode()
    assert "Water main work on Elm St this week." in body
    assert "Utility Billing" in body
    assert "Other Payments" in body


def test_other_payments_tile_follows_the_office_setting(riverton, client_for):
    settings = riverton.tenant.payment_settings
    settings.allow_other_payments = False
    settings.save()
    body = client_for(riverton.resident, riverton.tenant).get("/").content.decode()
    assert "Other Payments" not in body and "Utility Billing" in body


def test_tile_disappears_when_the_module_is_disabled(riverton, client_for):
    riverton.tenant.enabled_modules = []
    riverton.tenant.save()
    body = client_for(riverton.resident, riverton.tenant).get("/").content.decode()
    assert 'class="tile"' not in body
    assert "not turned on any online services" in body


def test_theme_colour_is_applied_per_city(riverton, lakeside, client_for):
    s = riverton.tenant.portal_settings
    s.theme_colour = "#7c2d12"
    s.save()
    assert "--brand: #7c2d12" in client_for(riverton.resident, riverton.tenant).get("/").content.decode()
    assert "--brand: #7c2d12" not in client_for(lakeside.resident, lakeside.tenant).get("/").content.decode()


def test_theme_colour_too_light_for_white_text_is_refused(riverton):
    import pytest
    from django.core.exceptions import ValidationError

    s = riverton.tenant.portal_settings
    s.theme_colour = "#fde047"
    with pytest.raises(ValidationError, match="too light"):
        s.full_clean()


def test_admin_menu_only_for_office_admins(riverton, client_for):
    assert "/office/" not in client_for(riverton.resident, riverton.tenant).get("/").content.decode()
    assert "/office/" in client_for(riverton.clerk, riverton.tenant).get("/").content.decode()


def test_welcome_page_query_count_is_small(riverton, client_for, django_assert_max_num_queries):
    client = client_for(riverton.resident, riverton.tenant)
    client.get("/")
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200
