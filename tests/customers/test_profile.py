def test_my_profile_shows_the_phone_for_texts_and_sends_changes_to_notifications(riverton, client_for):
    riverton.resident.phone = "+13035550199"
    riverton.resident.save()
    client = client_for(riverton.resident, riverton.tenant)
    page = client.get("/profile/").content.decode()
    assert "Mobile phone for text messages: <strong>(303) 555-0199</strong>." in page
    assert 'href="/profile/notifications/"' in page
    # One place to change the phone: My profile only reads it.
    assert client.post("/profile/", {"phone": "3035550100"}).status_code == 405
    riverton.resident.refresh_from_db()
    assert riverton.resident.phone == "+13035550199"


def test_without_a_phone_my_profile_says_so(riverton, client_for):
    page = client_for(riverton.resident, riverton.tenant).get("/profile/").content.decode()
    assert "No mobile phone for text messages yet." in page
