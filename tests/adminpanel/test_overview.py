def test_clerk_sees_only_own_city_members(riverton, lakeside, client_for):
    body = client_for(riverton.clerk, riverton.tenant).get("/office/").content.decode()
    assert "rosa@example.org" in body
    assert "lena@example.org" not in body and "lars@lakeside.example" not in body


def test_resident_gets_404_on_staff_pages(riverton, client_for):
    assert client_for(riverton.resident, riverton.tenant).get("/office/").status_code == 404


def test_other_city_clerk_is_not_staff_here(riverton, lakeside, client_for):
    # Lars is an office admin of Lakeside; signing in at Riverton makes him only a customer there.
    assert client_for(lakeside.clerk, riverton.tenant).get("/office/").status_code == 404


def test_anonymous_is_sent_to_login(riverton, anon_client):
    response = anon_client(riverton.tenant).get("/office/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
