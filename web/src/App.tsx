import { useCallback, useEffect, useState } from 'react';
import { get, post, setCsrfToken, whenUnauthorized } from './api.ts';
import { Console } from './Console.tsx';
import { Loading } from './components/States.tsx';
import { Login } from './pages/Login.tsx';
import { Signup } from './pages/Signup.tsx';
import { VerifyEmail } from './pages/VerifyEmail.tsx';
import { navigate, useLocation } from './router.tsx';
import { SessionContext } from './session.tsx';
import type { Me } from './types.ts';

const AUTH_PAGES = new Set(['/login', '/signup']);

/** Where to go after signing in: `?next=` when it is a path of this console, else home. */
function nextPath(search: URLSearchParams): string {
  const next = search.get('next') ?? '';
  // Only a path on this origin: `//host` or `/\host` would leave it.
  return /^\/(?![/\\])/.test(next) ? next : '/';
}

export function App() {
  // undefined while the first /v1/me is on its way; null when nobody is signed in.
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const { path, search } = useLocation();

  const refresh = useCallback(async () => {
    const current = await get<Me>('/v1/me');
    setCsrfToken(current.csrf_token);
    setMe(current);
    return current;
  }, []);

  const signOut = useCallback(async () => {
    try {
      await post('/v1/auth/logout');
    } finally {
      setCsrfToken(undefined);
      setMe(null);
      navigate('/login');
    }
  }, []);

  useEffect(() => {
    whenUnauthorized(() => {
      setCsrfToken(undefined);
      setMe(null);
    });
    refresh().catch(() => setMe(null));
  }, [refresh]);

  const onAuthPage = AUTH_PAGES.has(path);
  const query = search.toString();
  useEffect(() => {
    // A signed-out visit to a page (the email's verification link) comes back to it after signing in.
    const here = path + (query ? `?${query}` : '');
    if (me === null && !onAuthPage) navigate(path === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`, { replace: true });
    if (me && onAuthPage) navigate(nextPath(new URLSearchParams(query)), { replace: true });
  }, [me, onAuthPage, path, query]);

  if (me === undefined) return <Loading what="the console" />;
  if (me === null) return path === '/signup' ? <Signup onSignedIn={refresh} /> : <Login onSignedIn={refresh} />;
  if (onAuthPage) return <Loading what="your organization" />;
  return (
    <SessionContext.Provider value={{ me, refresh, signOut }}>
      {path === '/verify-email' ? <VerifyEmail /> : <Console />}
    </SessionContext.Provider>
  );
}
