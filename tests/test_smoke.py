import pytest


@pytest.mark.django_db
def test_world_builds_one_user_per_role(world):
    assert len(world.users) == 9
    assert world.users["operator"].scope_region() == world.hohhot
    assert world.users["admin"].scope_region() is None
