from datetime import date
from typing import Any, Optional, Union

from .async_base_client import AsyncBaseClient
from .base_model import UNSET, UnsetType
from .lookup import Lookup


def gql(q: str) -> str:
    return q


class Registry(AsyncBaseClient):
    async def lookup(
        self,
        locality: str,
        matter: str,
        as_of: Union[Optional[date], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> Lookup:
        query = gql("""
            query Lookup($locality: String!, $matter: String!, $asOf: Date) {
              lookup(locality: $locality, matter: $matter, asOf: $asOf) {
                answeredBy {
                  slug
                  name
                }
                sections {
                  key
                  heading
                }
                trail {
                  tenant {
                    slug
                  }
                  covered
                  reason
                }
                explanation
              }
            }
            """)
        variables: dict[str, object] = {
            "locality": locality,
            "matter": matter,
            "asOf": as_of,
        }
        response = await self.execute(
            query=query, operation_name="Lookup", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Lookup.model_validate(data)
