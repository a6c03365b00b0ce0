from tests.support.data import case_in, jpeg, submit


def test_a_residents_photo_is_hidden_from_the_public(client, users):
    photo = submit(photo_files=[jpeg()]).attachments.get()
    assert client.get(f"/media/attachments/{photo.pk}/full").status_code == 404
    assert client.get(f"/media/attachments/{photo.pk}/thumb").status_code == 404


def test_a_residents_photo_is_served_to_intake(client, users):
    photo = submit(photo_files=[jpeg()]).attachments.get()
    client.force_login(users["intake"])
    response = client.get(f"/media/attachments/{photo.pk}/full")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_a_residents_photo_is_hidden_from_a_handler_of_another_department(client, users, other_handler):
    case = case_in("dispatched", users, photo_files=[jpeg()])
    client.force_login(other_handler)
    assert client.get(f"/media/attachments/{case.attachments.get(kind='photo').pk}/full").status_code == 404


def test_resolution_photos_are_public(client, users):
    case = case_in("completed", users)
    after = case.attachments.get(kind="after")
    response = client.get(f"/media/attachments/{after.pk}/thumb")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert f'filename="{case.number}-{after.pk}-thumb.jpg"' in response["Content-Disposition"]


def test_an_unknown_variant_or_photo_is_a_404(client, users):
    case = case_in("completed", users)
    after = case.attachments.get(kind="after")
    assert client.get(f"/media/attachments/{after.pk}/original").status_code == 404
    assert client.get("/media/attachments/999999/full").status_code == 404
