def test_phone_can_be_changed_and_is_stored_in_e164(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    response = client.post("/profile/", {"phone": "303.555.0199"})
    assert response.status_code == 302
    riverton.resident.refresh_from_db()
    assert riverton.resident.phone == "+13035550199"


def test_bad_phone_keeps_the_old_one(riverton, client_for):
    riverton.resident.phone = "+13035550100"
    riverton.resident.save()
    response = client_for(riverton.resident, riverton.tenant).post("/profile/", {"phone": "555"})
    assert response.status_code == 200
    riverton.resident.refresh_from_db()
    assert riverton.resident.phone == "+13035550100"
