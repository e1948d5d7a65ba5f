"""The tickets' API router; its operations are in the modules beside it."""

from ninja import Router

router = Router(tags=["工单"])
