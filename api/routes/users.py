"""The current user's own account."""

from fastapi import APIRouter

from ..deps import CurrentUser
from ..models import User
from ..schemas import UserOut

router = APIRouter(tags=["me"])


@router.get("/user/me", response_model=UserOut)
@router.get("/users/me", response_model=UserOut, summary="Read Me (alias)")
async def read_me(user: CurrentUser) -> User:
    """Your own account."""
    return user
