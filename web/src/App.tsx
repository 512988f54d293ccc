import { useCallback, useEffect, useState } from 'react';
import { get, post, setCsrfToken, whenUnauthorized } from './api.ts';
import { Console } from './Console.tsx';
import { Loading } from './components/States.tsx';
import { Login } from './pages/Login.tsx';
import { Signup } from './pages/Signup.tsx';
import { navigate, useLocation } from './router.tsx';
import { SessionContext } from './session.tsx';
import type { Me } from './types.ts';

const AUTH_PAGES = new Set(['/login', '/signup']);

export function App() {
  // undefined while the first /v1/me is on its way; null when nobody is signed in.
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const { path } = useLocation();

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
  useEffect(() => {
    if (me === null && !onAuthPage) navigate('/login', { replace: true });
    if (me && onAuthPage) navigate('/', { replace: true });
  }, [me, onAuthPage]);

  if (me === undefined) return <Loading what="the console" />;
  if (me === null) return path === '/signup' ? <Signup onSignedIn={refresh} /> : <Login onSignedIn={refresh} />;
  if (onAuthPage) return <Loading what="your organization" />;
  return (
    <SessionContext.Provider value={{ me, refresh, signOut }}>
      <Console />
    </SessionContext.Provider>
  );
}
